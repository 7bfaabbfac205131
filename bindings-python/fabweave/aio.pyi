"""fabweave for asyncio: the calls of ``fabweave`` as coroutines (type stubs)."""

import os
from types import TracebackType
from typing import Literal, Mapping, Sequence

from . import Arg, CommitStrategy, Committed, Identity, Mode, QueryStrategy, RetryPolicy, Timeouts
from . import (
    BlockEvent,
    BlockKind,
    ChainInfo,
    ChaincodeEvent,
    Checkpoint,
    Checkpointer,
    FabweaveError,
    StartAt,
)

__all__ = [
    "Client",
    "Contract",
    "Network",
    "connect",
    # Events and the ledger
    "ChaincodeEventStream",
    "BlockEventStream",
    "Ledger",
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
    def contract(self, name: str) -> Contract:
        """A chaincode on this channel."""
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
