"""fabweave for asyncio: the calls of ``fabweave`` as coroutines (type stubs)."""

import builtins
import os
from types import TracebackType
from typing import Literal, Mapping, Sequence

from . import Arg, CommitStrategy, Committed, Identity, Mode, QueryStrategy, RetryPolicy, Timeouts

__all__ = ["Client", "Contract", "Network", "connect", "Proposal", "Transaction", "Submitted"]

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
