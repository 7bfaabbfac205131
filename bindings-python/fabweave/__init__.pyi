"""fabweave: a Hyperledger Fabric client SDK with a Rust core (type stubs).

Checked against the native module by tests/test_stubs.py.
"""

import builtins
import os
from types import TracebackType
from typing import Literal, Mapping, Sequence

__all__ = [
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
]

Arg = str | bytes | bytearray
"""A chaincode argument or transient value: ``str`` is sent as UTF-8."""

Mode = Literal["auto", "gateway", "client"]

def connect(
    profile: str | os.PathLike[str],
    *,
    user: str,
    passphrase: str | bytes | None = None,
    mode: Mode = "auto",
) -> Client:
    """Loads a connection profile (any supported format, detected from content) and connects
    as ``user`` of its organization.

    ``passphrase`` decrypts the user's encrypted key. ``mode`` chooses the peer Gateway service
    (``"gateway"``), the client-side flow (``"client"``), or the Gateway where the peer offers
    it (``"auto"``). Connections are made on first use. Raises ``ProfileError`` or
    ``IdentityError``. Use the client as a context manager, or call ``close()``.
    """

class Client:
    """A connection to a Fabric network as one identity. A context manager that closes it."""

    @property
    def closed(self) -> bool:
        """Whether ``close()`` was called."""
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
    ) -> Committed:
        """Endorses, orders and waits for the commit of ``function(*args)``.

        ``transient`` data reaches the chaincode but never the ledger; ``endorsing_orgs``
        (MSP IDs) chooses the organizations that endorse. Retries read conflicts and
        unreachable nodes as new transactions and never applies a call twice. Raises
        ``EndorseError``, ``SubmitError``, ``CommitError``, ``TimeoutError``,
        ``IndeterminateError``, ...
        """
    def evaluate(
        self,
        function: str,
        *args: Arg,
        transient: Mapping[str, Arg] | None = None,
    ) -> bytes:
        """Evaluates (queries) ``function(*args)`` on one peer, own organization first, and
        returns the chaincode's payload. Nothing is written to the ledger."""

class Committed:
    """A committed transaction."""

    @property
    def tx_id(self) -> str:
        """The transaction id."""
    @property
    def block_number(self) -> int:
        """The block it was committed in."""
    @property
    def payload(self) -> bytes:
        """The chaincode's response payload."""
    @property
    def attempts(self) -> int:
        """How many transactions this submit sent (1 unless it was retried)."""

class FabweaveError(Exception):
    """Base class of every fabweave error."""

    kind: str
    """The stage or area: ``"config"``, ``"identity"``, ``"endorse"``, ``"commit"``, ..."""
    retryable: bool
    """Whether a new try could succeed without looking at the ledger first."""
    transaction_id: str | None
    """The transaction the error concerns, if any."""
    attempts: list[dict[str, object]]
    """Only on errors of retried submits: every attempt, as dicts with ``transaction_id``,
    ``block_number`` (or None) and ``error`` (or None)."""

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
