"""fabweave: a Hyperledger Fabric client SDK with a Rust core (type stubs).

Checked against the native module by tests/test_stubs.py.
"""

import builtins
import datetime
import os
import pathlib
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Literal, Mapping, Sequence

__all__ = [
    "Attempt",
    "BlockEvent",
    "BlockEventStream",
    "CaClient",
    "CaError",
    "CaInfo",
    "ChainInfo",
    "ChaincodeEvent",
    "ChaincodeEventStream",
    "Checkpoint",
    "CheckpointError",
    "Checkpointer",
    "Client",
    "CommitError",
    "Committed",
    "Contract",
    "CryptoError",
    "DiscoveryError",
    "EndorseError",
    "Enrollment",
    "FabweaveError",
    "FileCheckpointer",
    "FileWallet",
    "Identity",
    "IdentityError",
    "IdentityInfo",
    "InMemoryCheckpointer",
    "InMemoryWallet",
    "IndeterminateError",
    "Ledger",
    "Network",
    "ProfileError",
    "Proposal",
    "ProtocolError",
    "RetryPolicy",
    "Revocation",
    "SubmitError",
    "Submitted",
    "TimeoutError",
    "Transaction",
    "TransportError",
    "Wallet",
    "connect",
    "flush_logs",
    "refresh_log_level",
]


Arg = str | bytes | bytearray
"""A chaincode argument or transient value: ``str`` is sent as UTF-8."""

Mode = Literal["auto", "gateway", "client"]

ChannelView = dict[str, list[dict[str, object]] | list[str]]
"""``Network.view()``: ``{"peers": [...], "orderers": [...], "msps": [...]}``."""

CommitStrategy = Literal[
    "MSPID_SCOPE_ANYFORTX",
    "MSPID_SCOPE_ALLFORTX",
    "NETWORK_SCOPE_ANYFORTX",
    "NETWORK_SCOPE_ALLFORTX",
    "PREFER_MSPID_SCOPE_ANYFORTX",
    "PREFER_MSPID_SCOPE_ALLFORTX",
    "NONE",
]
"""fabric-network's commit strategies (case-insensitive). The default,
``PREFER_MSPID_SCOPE_ALLFORTX``, waits for every reachable peer of the client's organization."""

QueryStrategy = Literal["single", "round_robin"]

Timeouts = Mapping[Literal["connect", "evaluate", "endorse", "submit", "commit"], float]
"""Deadlines in seconds; defaults: connect 10, evaluate 30, endorse 30, submit 15, commit 60."""

StartAt = Literal["newest", "oldest", "next_commit"] | int | Checkpoint
"""Where an event stream starts when its checkpointer has no checkpoint (or there is none): the
newest block already committed (then every later one), the channel's first block, the next block
committed after opening (Fabric 2.3+), block number ``n``, or after a ``Checkpoint``."""

BlockKind = Literal["full", "filtered", "with_private_data"]
"""What an event stream reads: full blocks (with event payloads), filtered blocks (tx ids,
validation codes and event names only; small), or full blocks with the private data the client's
organization may read."""

def connect(
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
    """Loads a connection profile (any supported format, detected from content) and connects
    as ``user`` of its organization (found through the profile), or as ``identity``.

    ``passphrase`` decrypts the user's encrypted key. ``mode`` chooses the peer Gateway service
    (``"gateway"``), the client-side flow (``"client"``), or the Gateway where the peer offers
    it (``"auto"``). ``commit_strategy``, ``query_strategy``, ``timeouts`` and ``retry`` are the
    defaults of every call (each submit may override them). ``discovery`` (on by default) uses
    the peers' discovery service; ``as_localhost`` dials discovered names at localhost;
    ``verify_endorsements`` (on by default) checks each endorser's signature; ``crypto_suite``
    names a suite (``"fabric"``, ``"bcs-gm"``, ...) instead of the one the profile calls for.
    Connections are made on first use. Raises ``ProfileError`` or ``IdentityError``. Use the
    client as a context manager, or call ``close()``.
    """

class Identity:
    """An identity: MSP ID, certificate and signing key (or an external signer). The key stays
    in the native module (zeroized when dropped) and never appears in ``repr()``."""

    @staticmethod
    def from_pem(
        msp_id: str,
        certificate: str | bytes,
        private_key: str | bytes,
        *,
        passphrase: str | bytes | None = None,
    ) -> Identity:
        """From a certificate and a private key in PEM; ``passphrase`` decrypts an encrypted
        key. Raises ``IdentityError`` (e.g. when the key does not match the certificate)."""
    @staticmethod
    def from_files(
        msp_id: str,
        certificate: str | os.PathLike[str],
        private_key: str | os.PathLike[str],
        *,
        passphrase: str | bytes | None = None,
    ) -> Identity:
        """From a certificate file and a private key file (PEM). Raises ``IdentityError``
        naming the file concerned."""
    @staticmethod
    def from_msp_dir(
        msp_id: str,
        path: str | os.PathLike[str],
        *,
        passphrase: str | bytes | None = None,
    ) -> Identity:
        """From an MSP folder as cryptogen or the Fabric CA client write it (``signcerts/``,
        ``keystore/``)."""
    @staticmethod
    def from_signer(
        msp_id: str,
        certificate: str | bytes,
        sign: Callable[[bytes], bytes],
    ) -> Identity:
        """From a certificate (PEM or DER) and an external signer such as an HSM or KMS client.

        ``sign(message)`` is called whenever fabweave signs, from fabweave's threads with the
        GIL held. The certificate's key must be ECDSA P-256; ``sign`` hashes ``message`` with
        SHA-256 itself and returns the DER ``SEQUENCE { r, s }`` signature. fabweave lowers a
        high S (Fabric accepts only s <= n/2) and verifies the signature against the
        certificate, so a signer with the wrong key raises ``CryptoError`` before anything is
        sent. An exception raised by ``sign`` becomes a ``CryptoError`` carrying its type and
        text. Such an identity cannot be put in a wallet."""
    def sign(self, message: str | bytes | bytearray) -> bytes:
        """Signs ``message`` as Fabric expects (ECDSA P-256 over SHA-256, DER, low S); for an
        identity from ``from_signer``, calls its ``sign``."""
    @property
    def msp_id(self) -> str:
        """The organization's MSP ID."""
    @property
    def certificate_pem(self) -> str:
        """The certificate, PEM."""
    @property
    def common_name(self) -> str | None:
        """The certificate subject's common name."""
    @property
    def subject(self) -> str:
        """The certificate's subject, RFC 4514 (``CN=...,OU=...,O=...``)."""
    @property
    def issuer(self) -> str:
        """The certificate's issuer, RFC 4514."""
    @property
    def not_before(self) -> datetime.datetime:
        """The start of the certificate's validity (UTC, timezone-aware)."""
    @property
    def not_after(self) -> datetime.datetime:
        """The end of the certificate's validity (UTC, timezone-aware)."""

class RetryPolicy:
    """How submits are retried: read conflicts, unreachable endorsers or orderers, and other
    failures that cannot have changed the ledger are retried as new transactions; a
    transaction whose outcome is unknown is looked up on the ledger first, never sent twice."""

    def __init__(
        self,
        *,
        attempts: int = 5,
        initial_backoff: float = 0.1,
        max_backoff: float = 2.0,
        deadline: float = 120.0,
    ) -> None: ...
    @staticmethod
    def none() -> RetryPolicy:
        """One attempt: no retry."""
    @property
    def attempts(self) -> int:
        """Attempts in all, the first included."""
    @property
    def initial_backoff(self) -> float:
        """The wait before the second attempt, in seconds (doubling, with jitter)."""
    @property
    def max_backoff(self) -> float:
        """The longest wait between attempts, in seconds."""
    @property
    def deadline(self) -> float:
        """No new attempt starts after this many seconds."""

class Client:
    """A connection to a Fabric network as one identity. A context manager that closes it."""

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
        """Closes the client's connections and event streams; later calls raise
        ``FabweaveError``. Closing twice is harmless."""
    def __enter__(self) -> Client: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool: ...

class Network:
    """A channel of the network."""

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
    def view(self) -> ChannelView:
        """What the client knows of the channel, from the profile and (once asked) discovery:
        ``peers`` (dicts with name, msp_id, address, height, chaincodes, discovered),
        ``orderers`` (name, address) and ``msps`` (empty until discovery answered)."""
    def refresh(self) -> ChannelView:
        """Asks discovery again now and returns the new view (see ``view``)."""
    def block_events(
        self,
        *,
        kind: BlockKind = "full",
        start: StartAt = "newest",
        checkpoint: Checkpointer | None = None,
        give_up_after: float | None = None,
    ) -> BlockEventStream:
        """Opens a stream of this channel's blocks, one ``BlockEvent`` per block in order.

        With a ``checkpoint`` that holds a position, the stream resumes after it and ``start``
        is ignored. The stream reconnects to another peer when its peer fails (nothing lost or
        repeated); it ends with ``FabweaveError`` after ``give_up_after`` seconds (default 300)
        without any peer delivering. Close it (``with`` or ``close()``)."""
    def ledger(
        self, *, timeout: float | None = None, peers: Sequence[str] | None = None
    ) -> Ledger:
        """The channel's ledger. ``timeout`` (seconds) replaces the client's evaluate deadline
        for each query; ``peers`` (names or addresses) are asked in this order instead."""

class Contract:
    """A chaincode on a channel."""

    @property
    def name(self) -> str:
        """The chaincode's name."""
    def submit(
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
        """Endorses, orders and waits for the commit of ``function(*args)``.

        ``transient`` data reaches the chaincode but never the ledger. ``endorsing_orgs`` (MSP
        IDs) or ``endorsing_peers`` (peer names) choose the endorsers; ``collections`` and
        ``calls_chaincodes`` name the private data collections and chaincodes the call touches
        (for discovery's plan). ``commit_strategy`` says whose commit events to wait for;
        ``retry`` replaces the client's retry policy; timeouts are in seconds. Retries read
        conflicts and unreachable nodes as new transactions and never applies a call twice.
        Raises ``EndorseError``, ``SubmitError``, ``CommitError``, ``TimeoutError``,
        ``IndeterminateError``, ...
        """
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
        """The first step of a submit signed elsewhere (offline, an HSM, another process):
        the ``Proposal`` of ``function(*args)``, carrying the bytes to sign. Nothing is sent
        yet. Takes the options of ``submit`` except ``retry`` (the steps never retry: a new
        try is a new transaction, with new signatures)."""
    def evaluate(
        self,
        function: str,
        *args: Arg,
        transient: Mapping[str, Arg] | None = None,
        peers: Sequence[str] | None = None,
        timeout: float | None = None,
    ) -> bytes:
        """Evaluates (queries) ``function(*args)`` on one peer, own organization first (or on
        the first of ``peers`` that answers), and returns the chaincode's payload. Nothing is
        written to the ledger."""
    def chaincode_events(
        self,
        *,
        event_name: str | None = None,
        start: StartAt = "newest",
        checkpoint: Checkpointer | None = None,
        kind: BlockKind = "full",
        give_up_after: float | None = None,
    ) -> ChaincodeEventStream:
        """Opens a stream of the events this chaincode emits in valid transactions (only those
        named ``event_name`` if given), in ledger order, as ``ChaincodeEvent`` objects.

        With a ``checkpoint`` that holds a position, the stream resumes after it (``start`` is
        ignored); record each event after processing it with ``stream.ack(event)``, and a
        stream reopened with the same checkpointer delivers each event exactly once.
        ``kind="filtered"`` reads smaller blocks but events come without payloads. Close the
        stream (``with`` or ``close()``)."""

class Committed:
    """A committed transaction."""

    @property
    def tx_id(self) -> str:
        """The transaction id."""
    @property
    def block_number(self) -> int:
        """The block it was committed in (0 with commit strategy ``"NONE"``)."""
    @property
    def confirmed(self) -> bool:
        """Whether the commit was observed (False only with commit strategy ``"NONE"``)."""
    @property
    def payload(self) -> bytes:
        """The chaincode's response payload."""
    @property
    def events(self) -> list[ChaincodeEvent]:
        """The chaincode event the transaction set, if any (Fabric allows one)."""
    @property
    def confirmed_by(self) -> str | None:
        """The peer whose commit event confirmed it first."""
    @property
    def endorsers(self) -> list[dict[str, str]]:
        """The peers whose endorsements the transaction carries: ``peer``, ``address``,
        ``msp_id``."""
    @property
    def attempts(self) -> list[Attempt]:
        """Every transaction this submit sent, the committed one last (one unless retried)."""
    @property
    def resolved_from_ledger(self) -> bool:
        """Whether the outcome was learned from the ledger rather than a commit event."""
    @property
    def via(self) -> Literal["gateway", "client"]:
        """Which flow carried the transaction."""

class Attempt:
    """One transaction a submit sent, and what became of it."""

    @property
    def tx_id(self) -> str:
        """Its transaction id."""
    @property
    def block_number(self) -> int | None:
        """The block it was committed in, or None if it failed."""
    @property
    def error(self) -> str | None:
        """Why it failed, or None if it committed."""
    @property
    def conflict(self) -> bool:
        """Whether it failed with a read conflict (MVCC or phantom)."""

class ChaincodeEvent:
    """An event a chaincode emitted (``SetEvent``) in a valid transaction."""

    @property
    def block_number(self) -> int:
        """The block of the transaction."""
    @property
    def tx_index(self) -> int | None:
        """The transaction's index in the block (None on ``Committed.events``)."""
    @property
    def tx_id(self) -> str:
        """The transaction id."""
    @property
    def chaincode_id(self) -> str:
        """The chaincode that emitted it."""
    @property
    def event_name(self) -> str:
        """The event's name."""
    @property
    def payload(self) -> bytes:
        """The event's payload (empty when read from filtered blocks)."""

# ---- Fabric CA ----------------------------------------------------------------------------------

PemSource = str | bytes | bytearray | os.PathLike[str]
"""PEM text or bytes, or the path of a file holding it (a ``str`` without ``-----BEGIN``)."""

KeyAlgorithm = Literal["p256", "sm2"]

RegisteredAttributes = (
    Mapping[str, str | tuple[str, bool]]
    | Sequence[tuple[str, str] | tuple[str, str, bool]]
)
"""Attributes of an identity: name to value (or ``(value, ecert)``), or ``(name, value[, ecert])``
tuples; ``ecert``: put the attribute in enrollment certificates by default (False unless given)."""

class CaClient:
    """A client of one Fabric CA server: enroll, reenroll, register, revoke and manage
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
        """The CA ``ca`` (a key of the profile's ``certificateAuthorities``) of a connection
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
    def info(self) -> CaInfo:
        """The CA's name, certificate chain and version (no authentication)."""
    def enroll(
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
    def reenroll(
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
    def register(
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
    def revoke(
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
    def identities(self, registrar: Identity) -> list[IdentityInfo]:
        """The identities ``registrar`` may see."""
    def identity(self, registrar: Identity, id: str) -> IdentityInfo:
        """Identity ``id`` (unknown: ``CaError``, code 63)."""
    def modify_identity(
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
    def remove_identity(self, registrar: Identity, id: str, *, force: bool = False) -> IdentityInfo:
        """Removes identity ``id`` (the CA must allow it); ``force`` also removes the
        registrar's own identity. Returns the identity removed."""
    def affiliations(self, registrar: Identity) -> dict[str, object]:
        """The affiliation tree ``registrar`` may see, as the CA returns it: a dict with
        ``name``, ``affiliations`` (children, alike), ``identities`` and ``caname``."""

class CaInfo:
    """What a CA says about itself."""

    @property
    def ca_name(self) -> str:
        """The CA's name."""
    @property
    def ca_chain_pem(self) -> str:
        """The CA's certificate chain, PEM: signing CA first, up to the root."""
    @property
    def version(self) -> str:
        """The server's version (empty when it does not say)."""
    @property
    def issuer_public_key(self) -> bytes:
        """The Idemix issuer public key as sent (empty without Idemix)."""
    @property
    def issuer_revocation_public_key(self) -> bytes:
        """The Idemix revocation public key as sent (empty without Idemix)."""

class Enrollment:
    """An issued certificate with its private key. The key stays in Rust and out of
    ``repr()``: ``identity()`` signs with it, ``private_key_pem()`` hands it out on request."""

    @property
    def certificate_pem(self) -> str:
        """The certificate, PEM."""
    @property
    def ca_chain_pem(self) -> str:
        """The CA's certificate chain, PEM (an MSP's ``cacerts``)."""
    @property
    def ca_info(self) -> CaInfo:
        """What the CA said about itself in the answer."""
    @property
    def common_name(self) -> str | None:
        """The certificate's subject common name (the enrollment ID)."""
    def identity(self, msp_id: str | None = None) -> Identity:
        """An ``Identity`` of MSP ``msp_id`` (default: the ``CaClient``'s) from the
        certificate and key."""
    def private_key_pem(self) -> str | None:
        """The private key, unencrypted PKCS#8 PEM, to store it; None when a reenrollment kept
        the existing key. Keep it secret."""

class IdentityInfo:
    """An identity registered with a CA."""

    @property
    def id(self) -> str:
        """The enrollment ID."""
    @property
    def type(self) -> str:
        """``client``, ``peer``, ``orderer``, ``admin`` or ``user``."""
    @property
    def affiliation(self) -> str:
        """The affiliation (empty for the root)."""
    @property
    def attributes(self) -> list[dict[str, str | bool]]:
        """The attributes (``hf.*`` ones included): dicts with ``name``, ``value``, ``ecert``."""
    def attribute(self, name: str) -> str | None:
        """The value of attribute ``name``, or None."""
    @property
    def max_enrollments(self) -> int:
        """Enrollments allowed (-1: no limit)."""
    @property
    def ca_name(self) -> str:
        """The CA that answered."""
    @property
    def secret(self) -> str | None:
        """The secret a modification set or generated, else None (never in ``repr()``)."""

class Revocation:
    """What a revocation did."""

    @property
    def revoked(self) -> list[dict[str, str]]:
        """The certificates revoked: dicts with ``serial`` and ``aki`` (hex)."""
    @property
    def crl_pem(self) -> str | None:
        """The CRL, PEM, when ``gencrl=True`` asked for one."""
class Proposal:
    """A submit's proposal, to be signed by the holder of the client identity's key.

    Sign ``bytes`` with ECDSA P-256 over SHA-256, DER-encoded (a high S is lowered for you), then
    call ``endorse`` (or ``evaluate``); a signature that does not verify with the client's
    certificate raises ``CryptoError`` before anything is sent. A proposal can be used once; using it again raises ``FabweaveError``.
    """

    @property
    def tx_id(self) -> str:
        """The transaction id."""
    @property
    def bytes(self) -> builtins.bytes:
        """The bytes to sign (the serialized proposal)."""
    def evaluate(self, signature: builtins.bytes | bytearray | memoryview) -> builtins.bytes:
        """Evaluates the signed proposal on one peer (as ``Contract.evaluate`` does) and
        returns the chaincode's payload. Raises ``EndorseError`` if the peer refuses it."""
    def endorse(self, signature: builtins.bytes | bytearray | memoryview) -> Transaction:
        """Sends the signed proposal for endorsement (to a peer Gateway or to the endorsers,
        as the client's mode says) and returns the ``Transaction`` to sign. Raises
        ``EndorseError`` if the peers refuse it (a bad signature, a chaincode error)."""

class Transaction:
    """An endorsed transaction, to be signed (as the proposal was) and submitted once."""

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
    def submit(self, signature: builtins.bytes | bytearray | memoryview) -> Submitted:
        """Sends the signed transaction to the orderer (through the Gateway that endorsed it,
        in the Gateway flow) and returns ``Submitted``. Raises ``SubmitError`` if refused."""

class Submitted:
    """A transaction the orderer accepted; ``status()`` waits for its commit (once)."""

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
    def status(self) -> Committed:
        """Waits for the commit as the commit strategy says. Raises ``CommitError`` for a
        transaction committed as invalid, ``IndeterminateError`` if the outcome is unknown."""
# --- Events and the ledger ---------------------------------------------------------------

class Checkpoint:
    """A position in the ledger: the last event processed."""

    def __init__(
        self, block_number: int, tx_index: int | None = None, tx_id: str | None = None
    ) -> None:
        """The transaction at ``tx_index`` of block ``block_number`` (and everything before
        it) was processed; with ``tx_index=None``, the whole block was."""
    @property
    def block_number(self) -> int:
        """The block of the last event processed."""
    @property
    def tx_index(self) -> int | None:
        """The index of its transaction in the block; None when the whole block was."""
    @property
    def tx_id(self) -> str | None:
        """That transaction's id, when known (informational)."""

class Checkpointer:
    """Where a stream's application got to, kept across streams: ``FileCheckpointer`` or
    ``InMemoryCheckpointer`` (not constructible itself)."""

    @property
    def checkpoint(self) -> Checkpoint | None:
        """The last position recorded, or None."""
    def save(self, position: Checkpoint | ChaincodeEvent | BlockEvent) -> None:
        """Records ``position`` as the last event processed (``stream.ack`` does the same)."""

class InMemoryCheckpointer(Checkpointer):
    """A checkpointer in memory: survives closing and reopening a stream in this process."""

    def __init__(self) -> None:
        """An empty checkpointer."""
    @property
    def checkpoint(self) -> Checkpoint | None:
        """The last position recorded, or None."""
    def save(self, position: Checkpoint | ChaincodeEvent | BlockEvent) -> None:
        """Records ``position`` as the last event processed."""

class FileCheckpointer(Checkpointer):
    """A checkpointer in a small JSON file, replaced atomically on each save: a restarted
    process opening the same file resumes after the last event it recorded."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        """Reads the checkpoint at ``path``; a missing file is empty and is created on the
        first save (its folder must exist). Raises ``CheckpointError`` for a file that is not
        a checkpoint."""
    @property
    def path(self) -> pathlib.Path:
        """The checkpoint file."""
    @property
    def checkpoint(self) -> Checkpoint | None:
        """The last position recorded, or None."""
    def save(self, position: Checkpoint | ChaincodeEvent | BlockEvent) -> None:
        """Records ``position`` as the last event processed."""

class BlockEvent:
    """One block from a block event stream."""

    @property
    def number(self) -> int:
        """The block number."""
    @property
    def kind(self) -> BlockKind:
        """What the stream reads."""
    @property
    def chaincode_events(self) -> list[ChaincodeEvent]:
        """The chaincode events of the block's valid transactions (no payloads when
        filtered)."""
    def to_dict(self) -> dict | None:
        """The block decoded: ``number``, ``hash``, ``previous_hash``, ``data_hash`` (hex),
        ``metadata`` and ``transactions`` (each with ``tx_id``, ``header_type``, ``creator``,
        ``validation_code(_name)``, ``actions`` with function, args, response, read/write sets,
        event and endorsers; byte strings as ``{"encoding": "utf8"|"base64", "value": ...}``).
        None for filtered blocks."""

class ChaincodeEventStream:
    """The events of one chaincode in ledger order: iterate it (each ``next`` waits with the
    GIL released; Ctrl-C interrupts). It ends after ``close()`` or an error it cannot recover
    from (raised). A context manager that closes it."""

    def __iter__(self) -> ChaincodeEventStream: ...
    def __next__(self) -> ChaincodeEvent: ...
    def ack(self, event: ChaincodeEvent | Checkpoint) -> None:
        """Records ``event`` as processed in the stream's checkpointer (nothing without one).
        Call it after processing the event."""
    def close(self) -> None:
        """Stops reading; the iteration ends. Closing twice is harmless."""
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
    def __enter__(self) -> ChaincodeEventStream: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool: ...

class BlockEventStream:
    """The blocks of one channel in order: iterate it (each ``next`` waits with the GIL
    released; Ctrl-C interrupts). It ends after ``close()`` or an error it cannot recover from
    (raised). A context manager that closes it."""

    def __iter__(self) -> BlockEventStream: ...
    def __next__(self) -> BlockEvent: ...
    def ack(self, event: BlockEvent | Checkpoint) -> None:
        """Records ``event`` as processed in the stream's checkpointer (nothing without one)."""
    def close(self) -> None:
        """Stops reading; the iteration ends. Closing twice is harmless."""
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
    def __enter__(self) -> BlockEventStream: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool: ...

class ChainInfo:
    """What one peer's ledger says of the channel."""

    @property
    def height(self) -> int:
        """The number of blocks (the next block's number)."""
    @property
    def current_block_hash(self) -> bytes:
        """The header hash of the last block (``.hex()`` is its decoded ``hash``)."""
    @property
    def previous_block_hash(self) -> bytes:
        """The header hash of the block before it."""
    @property
    def bootstrapped_from_snapshot_at(self) -> int | None:
        """The last block of the snapshot the peer joined from, if it did."""

class Ledger:
    """The channel's ledger (qscc and cscc). Each query goes to one peer, the client's
    organization first, and moves on when a peer fails; a not-found answer is that peer's,
    which may lag a block or two behind."""

    @property
    def channel(self) -> str:
        """The channel."""
    def chain_info(self) -> ChainInfo:
        """The height and the hashes of the last two blocks."""
    def block_by_number(self, number: int) -> dict | None:
        """Block ``number`` decoded (see ``BlockEvent.to_dict``), or None if not found."""
    def block_by_hash(self, hash: bytes | str) -> dict | None:
        """The block with this header hash (bytes, or hex as in a decoded ``hash``), decoded;
        None if not found."""
    def block_by_tx_id(self, tx_id: str) -> dict | None:
        """The block holding transaction ``tx_id``, decoded; None if not found."""
    def transaction(self, tx_id: str) -> dict | None:
        """The transaction decoded as one of a decoded block's ``transactions`` (with
        ``validation_code`` and ``validation_code_name``; ``index`` is 0), or None."""
    def channels(self, peer: str) -> list[str]:
        """The channels ``peer`` (a name or address) joined; only members of the peer's
        organization may ask."""
class Wallet:
    """Identities stored by label (base class of ``InMemoryWallet`` and ``FileWallet``).

    A wallet keeps an MSP ID, a certificate and a private key as PEM text, so identities from
    ``Identity.from_signer``, or loaded from an encrypted or DER key, cannot be put in one.
    Labels are names: empty labels, ``.``, ``..`` and labels holding ``/``, ``\\`` or NUL raise
    ``IdentityError``."""

    def put(self, label: str, identity: Identity) -> None:
        """Stores ``identity`` under ``label``, replacing any identity stored there."""
    def get(self, label: str) -> Identity | None:
        """The identity stored under ``label``, or ``None``. Raises ``IdentityError`` when the
        entry does not load (e.g. wrong passphrase)."""
    def remove(self, label: str) -> bool:
        """Removes the identity stored under ``label``; whether there was one."""
    def labels(self) -> list[str]:
        """The labels, sorted."""
    def __contains__(self, label: object) -> bool: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[str]: ...

class InMemoryWallet(Wallet):
    """A wallet in memory, lost when dropped."""

    def __init__(self) -> None: ...
    def put(self, label: str, identity: Identity) -> None:
        """See ``Wallet.put``."""
    def get(self, label: str) -> Identity | None:
        """See ``Wallet.get``."""
    def remove(self, label: str) -> bool:
        """See ``Wallet.remove``."""
    def labels(self) -> list[str]:
        """See ``Wallet.labels``."""

class FileWallet(Wallet):
    """A wallet in a folder, one ``<label>.id`` file per identity in fabric-network's format:
    folders written by the Node SDK or fabweave's Rust API are read as they are, and the other
    way round.

    Without ``passphrase`` keys are written in clear, as fabric-network does. With it they are
    written as encrypted PKCS#8 (PBKDF2-HMAC-SHA256, ``pbkdf2_iterations`` rounds: 600,000 by
    default, at least 100,000; AES-256-CBC), which OpenSSL reads but the Node SDK cannot sign
    with, and ``get`` decrypts them. The folder is created (mode 0700) if missing; files are
    written atomically with mode 0600. Raises ``IdentityError``."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        passphrase: str | bytes | None = None,
        pbkdf2_iterations: int | None = None,
    ) -> None: ...
    def put(self, label: str, identity: Identity) -> None:
        """See ``Wallet.put``."""
    def get(self, label: str) -> Identity | None:
        """See ``Wallet.get``."""
    def remove(self, label: str) -> bool:
        """See ``Wallet.remove``."""
    def labels(self) -> list[str]:
        """See ``Wallet.labels``."""
    def path_of(self, label: str) -> pathlib.Path:
        """The file that holds (or would hold) ``label``: ``<path>/<label>.id``."""
    @property
    def path(self) -> pathlib.Path:
        """The wallet's folder."""
    @property
    def encrypts_keys(self) -> bool:
        """Whether keys are written encrypted (opened with a passphrase)."""
    @property
    def pbkdf2_iterations(self) -> int:
        """The PBKDF2 iteration count for keys this wallet encrypts."""
# Logging: sdk-core's events reach Python's ``logging`` by themselves, as records of the
# logger "fabweave" and its children ("fabweave.flow.calls" for Rust target
# "fabweave::flow::calls"), with the event's fields in ``record.fabweave_fields``.

def flush_logs(timeout: float = 5.0) -> bool:
    """Waits until every log record fabweave emitted before this call was handed to
    ``logging`` (records reach ``logging`` from a background thread, shortly after the
    event). False if that took longer than ``timeout`` seconds."""

def refresh_log_level() -> None:
    """Re-reads the levels of the ``fabweave`` loggers. Changes made with ``setLevel``,
    ``logging.disable`` or ``logging.config`` are noticed by themselves; call this after
    changing levels another way (such as assigning ``Logger.level``). Python's own cache of
    enabled levels is cleared as well, as ``setLevel`` would."""

class FabweaveError(Exception):
    """Base class of every fabweave error."""

    kind: str
    """The stage or area: ``"config"``, ``"identity"``, ``"endorse"``, ``"commit"``, ..."""
    retryable: bool
    """Whether a new try could succeed without looking at the ledger first."""
    transaction_id: str | None
    """The transaction the error concerns, if any."""
    attempts: list[Attempt]
    """Only on errors of retried submits: every transaction sent."""

class ProfileError(FabweaveError):
    """A connection profile could not be read or is inconsistent."""

    file: str | None
    key: str | None
    line: int | None
    column: int | None
    problem: str

class IdentityError(FabweaveError):
    """An identity (certificate, key, MSP folder) could not be loaded or used."""

    file: str | None
    problem: str

class CryptoError(FabweaveError):
    """A cryptographic operation failed."""

    message: str

class TransportError(FabweaveError):
    """A connection to a peer or orderer could not be made or broke."""

    endpoint: str
    message: str

class DiscoveryError(FabweaveError):
    """Service discovery could not say which peers to use."""

    channel: str
    peers: list[str]
    message: str

class EndorseError(FabweaveError):
    """Endorsement or evaluation failed on the peers (e.g. the chaincode returned an error)."""

    message: str
    peers: list[dict[str, str | int]]
    """One dict per peer tried: ``peer``, ``address``, ``msp_id``, ``status`` (int; 0 when
    unreachable), ``message``."""

class SubmitError(FabweaveError):
    """No orderer accepted the transaction."""

    orderer: str
    status: int
    message: str
    orderers: list[dict[str, str | int]]

class CommitError(FabweaveError):
    """The transaction was ordered but is invalid."""

    validation_code: int
    validation_code_name: str
    """e.g. ``"MVCC_READ_CONFLICT"``."""
    block_number: int

class TimeoutError(FabweaveError, builtins.TimeoutError):
    """A stage ran out of time. Also a builtin ``TimeoutError``."""

    stage: str
    """``"connect"``, ``"evaluate"``, ``"endorse"``, ``"submit"`` or ``"commit"``."""
    after: float
    """The deadline that passed, in seconds."""
    waiting_for: str | None

class IndeterminateError(FabweaveError):
    """A transaction left the client and its outcome is unknown; it was not sent again.
    Look ``transaction_id`` up before trying again."""

    stage: str
    message: str

class ProtocolError(FabweaveError):
    """A peer or orderer answered with something malformed."""

    endpoint: str
    message: str

class CaError(FabweaveError):
    """A Fabric CA server refused a request."""

    url: str
    status: int
    code: int
    message: str
    hint: str | None

class CheckpointError(FabweaveError):
    """An event checkpoint could not be read or written."""

    file: str | None
    message: str
