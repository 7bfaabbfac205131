"""fabweave for asyncio: the calls of ``fabweave`` as coroutines (type stubs)."""

import builtins
import os
from types import TracebackType
from typing import Literal, Mapping, Sequence

from . import (
    Arg,
    BlockEvent,
    BlockKind,
    CaInfo,
    ChainInfo,
    ChannelView,
    ChaincodeEvent,
    Checkpoint,
    Checkpointer,
    CommitStrategy,
    Committed,
    Enrollment,
    FabweaveError,
    Identity,
    IdentityInfo,
    KeyAlgorithm,
    Mode,
    PemSource,
    QueryStrategy,
    RegisteredAttributes,
    RetryPolicy,
    Revocation,
    StartAt,
    Timeouts,
)

__all__ = [
    "BlockEventStream",
    "CaClient",
    "ChaincodeEventStream",
    "Client",
    "Contract",
    "Ledger",
    "Network",
    "Proposal",
    "Submitted",
    "Transaction",
    "connect",
]


async def connect(
    profile: str | os.PathLike[str],
    *,
    user: str | None = None,
    identity: Identity | None = None,
    passphrase: str | bytes | None = None,
    mode: Mode = "auto",
    commit_strategy: CommitStrategy | None = None,
    query_strategy: QueryStrategy | None = None,
    timeouts: Timeouts | None = None,
    retry: RetryPolicy | None = None,
    discovery: bool | None = None,
    as_localhost: bool | None = None,
    verify_endorsements: bool | None = None,
    crypto_suite: str | None = None,
) -> Client:
    """Loads a connection profile and connects as ``user``; see ``fabweave.connect``.
    The client is an async context manager: ``async with await connect(...) as client``."""

class Client:
    """A connection to a Fabric network as one identity, for asyncio."""

    @property
    def closed(self) -> bool:
        """Whether ``close()`` was called."""
    @property
    def msp_id(self) -> str:
        """The MSP ID of the client's identity."""
    @property
    def last_via(self) -> Literal["gateway", "client"] | None:
        """Which flow carried the last call, or None before any."""
    def network(self, name: str) -> Network:
        """A channel."""
    def close(self) -> None:
        """Closes the client's connections and event streams (at once; not a coroutine)."""
    async def __aenter__(self) -> Client: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool: ...

class Network:
    """A channel of the network, for asyncio."""

    @property
    def name(self) -> str:
        """The channel's name."""
    def contract(
        self,
        name: str,
        *,
        hot_key_scheduling: bool = False,
        endorsement_policy: str | None = None,
    ) -> Contract:
        """A chaincode on this channel.

        ``hot_key_scheduling=True`` sends submits whose transactions touch the same keys one
        after another (learned from their read/write sets) instead of racing into read
        conflicts. ``endorsement_policy`` (Fabric's text form, e.g.
        ``"AND('Org1MSP.peer', 'Org2MSP.peer')"``) plans endorsements where discovery is off or
        no peer answers it; a malformed policy raises ``ProfileError``."""
    async def view(self) -> ChannelView:
        """What the client knows of the channel, from the profile and (once asked) discovery:
        ``peers`` (dicts with name, msp_id, address, height, chaincodes, discovered),
        ``orderers`` (name, address) and ``msps`` (empty until discovery answered)."""
    async def refresh(self) -> ChannelView:
        """Asks discovery again now and returns the new view (see ``view``)."""
    async def block_events(
        self,
        *,
        kind: BlockKind = "full",
        start: StartAt = "newest",
        checkpoint: Checkpointer | None = None,
        give_up_after: float | None = None,
    ) -> BlockEventStream:
        """Opens a stream of this channel's blocks (a coroutine resolving to the stream);
        see ``fabweave.Network.block_events``: ``async with await network.block_events() as s``."""
    def ledger(
        self, *, timeout: float | None = None, peers: Sequence[str] | None = None
    ) -> Ledger:
        """The channel's ledger (not a coroutine: its queries are)."""

class Contract:
    """A chaincode on a channel, for asyncio."""

    @property
    def name(self) -> str:
        """The chaincode's name."""
    async def submit(
        self,
        function: str,
        *args: Arg,
        transient: Mapping[str, Arg] | None = None,
        endorsing_orgs: Sequence[str] | None = None,
        endorsing_peers: Sequence[str] | None = None,
        collections: Sequence[str] | None = None,
        calls_chaincodes: Sequence[str] | None = None,
        commit_strategy: CommitStrategy | None = None,
        retry: RetryPolicy | None = None,
        endorse_timeout: float | None = None,
        submit_timeout: float | None = None,
        commit_timeout: float | None = None,
    ) -> Committed:
        """Endorses, orders and waits for the commit of ``function(*args)``; see
        ``fabweave.Contract.submit``."""
    def new_proposal(
        self,
        function: str,
        *args: Arg,
        transient: Mapping[str, Arg] | None = None,
        endorsing_orgs: Sequence[str] | None = None,
        endorsing_peers: Sequence[str] | None = None,
        collections: Sequence[str] | None = None,
        calls_chaincodes: Sequence[str] | None = None,
        commit_strategy: CommitStrategy | None = None,
        endorse_timeout: float | None = None,
        submit_timeout: float | None = None,
        commit_timeout: float | None = None,
    ) -> Proposal:
        """The first step of a submit signed elsewhere: the ``Proposal`` of
        ``function(*args)``, carrying the bytes to sign (not a coroutine: nothing is sent yet);
        see ``fabweave.Contract.new_proposal``."""
    async def evaluate(
        self,
        function: str,
        *args: Arg,
        transient: Mapping[str, Arg] | None = None,
        peers: Sequence[str] | None = None,
        timeout: float | None = None,
    ) -> bytes:
        """Evaluates ``function(*args)`` on one peer and returns the payload."""
    async def chaincode_events(
        self,
        *,
        event_name: str | None = None,
        start: StartAt = "newest",
        checkpoint: Checkpointer | None = None,
        kind: BlockKind = "full",
        give_up_after: float | None = None,
    ) -> ChaincodeEventStream:
        """Opens a stream of this chaincode's events (a coroutine resolving to the stream);
        see ``fabweave.Contract.chaincode_events``:
        ``async with await contract.chaincode_events() as events: async for e in events: ...``"""

# --- Events and the ledger ---------------------------------------------------------------

class CaClient:
    """``fabweave.CaClient`` for asyncio (the network calls are coroutines): a client of one
    Fabric CA server: enroll, reenroll, register, revoke and manage
    identities. Calls for an enrolled identity (``registrar``, or the identity to reenroll) are
    authenticated by a token that identity signs. Refusals raise ``CaError``."""

    def __init__(
        self,
        url: str,
        *,
        tls_ca: PemSource | Sequence[PemSource] | None = None,
        ca_name: str | None = None,
        server_name: str | None = None,
        client_cert: PemSource | None = None,
        client_key: PemSource | None = None,
        connect_timeout: float | None = None,
        request_timeout: float | None = None,
        msp_id: str | None = None,
    ) -> None:
        """A client for the CA at ``url`` (``https://host:port``; ``http://`` without TLS),
        trusting the TLS CA certificate(s) ``tls_ca`` and addressing CA ``ca_name`` of the
        server (its default CA when None). ``server_name``: the name expected in the CA's TLS
        certificate when the URL's host is not it. ``client_cert``/``client_key``: a client TLS
        pair for a CA that asks for one. Timeouts in seconds (10 and 30 unless given).
        ``msp_id``: the MSP ID ``Enrollment.identity()`` uses when given none."""
    @staticmethod
    def from_profile(
        profile: str | os.PathLike[str],
        ca: str | None = None,
        *,
        connect_timeout: float | None = None,
        request_timeout: float | None = None,
    ) -> CaClient:
        """As ``fabweave.CaClient.from_profile``, for asyncio: the CA ``ca`` (a key of the profile's ``certificateAuthorities``) of a connection
        profile, or, when None, the first CA of the profile's client organization. URL, CA
        name, TLS CA certificates, TLS name override and client TLS pair come from the profile;
        ``Enrollment.identity()`` defaults to the MSP ID of the organization listing the CA."""
    @property
    def url(self) -> str:
        """The URL as given."""
    @property
    def ca_name(self) -> str | None:
        """The CA of the server this client addresses, or None for its default CA."""
    @property
    def msp_id(self) -> str | None:
        """The MSP ID ``Enrollment.identity()`` uses when given none, or None."""
    async def info(self) -> CaInfo:
        """The CA's name, certificate chain and version (no authentication)."""
    async def enroll(
        self,
        enrollment_id: str,
        secret: str,
        *,
        key_algorithm: KeyAlgorithm = "p256",
        attributes: Sequence[str] | Mapping[str, bool] | None = None,
        profile: str | None = None,
        hosts: Sequence[str] | None = None,
        label: str | None = None,
        ca_name: str | None = None,
    ) -> Enrollment:
        """Enrolls ``enrollment_id`` with ``secret``. The key pair is generated locally
        (``"sm2"`` for a GM CA); only a certificate request is sent. ``attributes``: attributes
        to put in the certificate (names, each required, or name to optional); ``profile``: the
        CA's signing profile (``"tls"`` for a TLS certificate); ``hosts``: subject alternative
        names; ``label``: the CA-side key label. A wrong secret raises ``CaError`` (code 20)."""
    async def reenroll(
        self,
        identity: Identity,
        *,
        keep_key: bool = False,
        attributes: Sequence[str] | Mapping[str, bool] | None = None,
        profile: str | None = None,
        hosts: Sequence[str] | None = None,
        label: str | None = None,
        ca_name: str | None = None,
    ) -> Enrollment:
        """A new certificate for ``identity``, authenticated by it: with a new key of the same
        kind unless ``keep_key``. A revoked or expired identity raises ``CaError`` (code 20)."""
    async def register(
        self,
        registrar: Identity,
        id: str,
        *,
        secret: str | None = None,
        type: str | None = None,
        affiliation: str | None = None,
        max_enrollments: int | None = None,
        attributes: RegisteredAttributes | None = None,
        ca_name: str | None = None,
    ) -> str:
        """Registers identity ``id`` on behalf of ``registrar`` and returns its enrollment
        secret (``secret``, or one the CA generated). ``type`` is ``client`` unless given;
        ``affiliation`` defaults to the registrar's; ``max_enrollments`` -1: no limit."""
    async def revoke(
        self,
        registrar: Identity,
        id: str | None = None,
        *,
        serial: str | None = None,
        aki: str | None = None,
        reason: str | None = None,
        gencrl: bool = False,
        ca_name: str | None = None,
    ) -> Revocation:
        """Revokes identity ``id`` (all its certificates; it can no longer enroll) or one
        certificate by ``serial`` and ``aki`` (hex), on behalf of ``registrar``. ``reason``: a
        CA reason name (``keycompromise``, ...); ``gencrl``: also return a CRL."""
    async def identities(self, registrar: Identity) -> list[IdentityInfo]:
        """The identities ``registrar`` may see."""
    async def identity(self, registrar: Identity, id: str) -> IdentityInfo:
        """Identity ``id`` (unknown: ``CaError``, code 63)."""
    async def modify_identity(
        self,
        registrar: Identity,
        id: str,
        *,
        secret: str | None = None,
        type: str | None = None,
        affiliation: str | None = None,
        max_enrollments: int | None = None,
        attributes: RegisteredAttributes | None = None,
        ca_name: str | None = None,
    ) -> IdentityInfo:
        """Changes identity ``id``: the options given replace the identity's, the others are
        kept. Returns the identity as changed."""
    async def remove_identity(self, registrar: Identity, id: str, *, force: bool = False) -> IdentityInfo:
        """Removes identity ``id`` (the CA must allow it); ``force`` also removes the
        registrar's own identity. Returns the identity removed."""
    async def affiliations(self, registrar: Identity) -> dict[str, object]:
        """The affiliation tree ``registrar`` may see, as the CA returns it: a dict with
        ``name``, ``affiliations`` (children, alike), ``identities`` and ``caname``."""
class Proposal:
    """A submit's proposal, to be signed by the holder of the client identity's key, for
    asyncio; see ``fabweave.Proposal``. Usable once."""

    @property
    def tx_id(self) -> str:
        """The transaction id."""
    @property
    def bytes(self) -> builtins.bytes:
        """The bytes to sign (the serialized proposal)."""
    async def evaluate(self, signature: builtins.bytes | bytearray | memoryview) -> builtins.bytes:
        """Evaluates the signed proposal on one peer and returns the chaincode's payload."""
    async def endorse(self, signature: builtins.bytes | bytearray | memoryview) -> Transaction:
        """Sends the signed proposal for endorsement; returns the ``Transaction`` to sign."""

class Transaction:
    """An endorsed transaction, to be signed and submitted once, for asyncio."""

    @property
    def tx_id(self) -> str:
        """The transaction id."""
    @property
    def bytes(self) -> builtins.bytes:
        """The bytes to sign (the transaction's serialized payload)."""
    @property
    def result(self) -> builtins.bytes:
        """The chaincode's response payload, as endorsed."""
    @property
    def via(self) -> Literal["gateway", "client"]:
        """Which flow endorsed the transaction and will submit it."""
    async def submit(self, signature: builtins.bytes | bytearray | memoryview) -> Submitted:
        """Sends the signed transaction to the orderer; returns ``Submitted``."""

class Submitted:
    """A transaction the orderer accepted, for asyncio; ``status()`` waits for its commit."""

    @property
    def tx_id(self) -> str:
        """The transaction id."""
    @property
    def result(self) -> builtins.bytes:
        """The chaincode's response payload, as endorsed."""
    @property
    def endorsers(self) -> list[dict[str, str]]:
        """The peers whose endorsements the transaction carries: ``peer``, ``address``,
        ``msp_id``."""
    @property
    def via(self) -> Literal["gateway", "client"]:
        """Which flow submitted the transaction and reports its commit."""
    async def status(self) -> Committed:
        """Waits for the commit as the commit strategy says; see ``fabweave.Submitted.status``."""

class ChaincodeEventStream:
    """The events of one chaincode in ledger order, for ``async for``. It ends after
    ``close()`` or an error it cannot recover from (raised). An async context manager that
    closes it."""

    def __aiter__(self) -> ChaincodeEventStream: ...
    async def __anext__(self) -> ChaincodeEvent: ...
    def ack(self, event: ChaincodeEvent | Checkpoint) -> None:
        """Records ``event`` as processed in the stream's checkpointer (not a coroutine)."""
    def close(self) -> None:
        """Stops reading (not a coroutine); the iteration ends."""
    @property
    def closed(self) -> bool:
        """Whether ``close()`` was called."""
    @property
    def peer(self) -> str | None:
        """The peer the stream reads from now, while connected."""
    @property
    def sessions(self) -> int:
        """How many deliver streams were opened so far (1 until a reconnection)."""
    @property
    def last_error(self) -> FabweaveError | None:
        """The last error a peer's stream ended with (kept after recovering)."""
    @property
    def channel(self) -> str:
        """The channel."""
    async def __aenter__(self) -> ChaincodeEventStream: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool: ...

class BlockEventStream:
    """The blocks of one channel in order, for ``async for``. It ends after ``close()`` or an
    error it cannot recover from (raised). An async context manager that closes it."""

    def __aiter__(self) -> BlockEventStream: ...
    async def __anext__(self) -> BlockEvent: ...
    def ack(self, event: BlockEvent | Checkpoint) -> None:
        """Records ``event`` as processed in the stream's checkpointer (not a coroutine)."""
    def close(self) -> None:
        """Stops reading (not a coroutine); the iteration ends."""
    @property
    def closed(self) -> bool:
        """Whether ``close()`` was called."""
    @property
    def peer(self) -> str | None:
        """The peer the stream reads from now, while connected."""
    @property
    def sessions(self) -> int:
        """How many deliver streams were opened so far (1 until a reconnection)."""
    @property
    def last_error(self) -> FabweaveError | None:
        """The last error a peer's stream ended with (kept after recovering)."""
    @property
    def channel(self) -> str:
        """The channel."""
    async def __aenter__(self) -> BlockEventStream: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool: ...

class Ledger:
    """The channel's ledger, for asyncio; see ``fabweave.Ledger``."""

    @property
    def channel(self) -> str:
        """The channel."""
    async def chain_info(self) -> ChainInfo:
        """The height and the hashes of the last two blocks."""
    async def block_by_number(self, number: int) -> dict | None:
        """Block ``number`` decoded, or None if not found."""
    async def block_by_hash(self, hash: bytes | str) -> dict | None:
        """The block with this header hash (bytes or hex), decoded; None if not found."""
    async def block_by_tx_id(self, tx_id: str) -> dict | None:
        """The block holding transaction ``tx_id``, decoded; None if not found."""
    async def transaction(self, tx_id: str) -> dict | None:
        """The transaction decoded, with its validation code, or None."""
    async def channels(self, peer: str) -> list[str]:
        """The channels ``peer`` joined."""
