"""fabweave: a Hyperledger Fabric client SDK with a Rust core (type stubs).

Checked against the native module by tests/test_stubs.py.
"""

import builtins
import os
from types import TracebackType
from typing import Literal, Mapping, Sequence

__all__ = [
    "Identity",
    "RetryPolicy",
    "ChaincodeEvent",
    "Attempt",
    "CaError",
    "CheckpointError",
    "Client",
    "CommitError",
    "Committed",
    "Contract",
    "CryptoError",
    "DiscoveryError",
    "EndorseError",
    "FabweaveError",
    "IdentityError",
    "IndeterminateError",
    "Network",
    "ProfileError",
    "ProtocolError",
    "SubmitError",
    "TimeoutError",
    "TransportError",
    "connect",
    "flush_logs",
    "refresh_log_level",
]

Arg = str | bytes | bytearray
"""A chaincode argument or transient value: ``str`` is sent as UTF-8."""

Mode = Literal["auto", "gateway", "client"]

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
    """An identity: MSP ID, certificate and signing key. The key stays in the native module
    (zeroized when dropped) and never appears in ``repr()``."""

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
        """From a certificate file and a private key file (PEM)."""
    @staticmethod
    def from_msp_dir(
        msp_id: str,
        path: str | os.PathLike[str],
        *,
        passphrase: str | bytes | None = None,
    ) -> Identity:
        """From an MSP folder as cryptogen or the Fabric CA client write it."""
    @property
    def msp_id(self) -> str:
        """The organization's MSP ID."""
    @property
    def certificate_pem(self) -> str:
        """The certificate, PEM."""
    @property
    def common_name(self) -> str | None:
        """The certificate subject's common name."""

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
    def contract(self, name: str) -> Contract:
        """A chaincode on this channel."""

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
