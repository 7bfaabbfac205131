"""fabweave for asyncio: the calls of ``fabweave`` as coroutines (type stubs)."""

import os
from types import TracebackType
from typing import Mapping, Sequence

from . import Arg, Committed, Mode

__all__ = ["Client", "Contract", "Network", "connect"]

async def connect(
    profile: str | os.PathLike[str],
    *,
    user: str,
    passphrase: str | bytes | None = None,
    mode: Mode = "auto",
) -> Client:
    """Loads a connection profile and connects as ``user``; see ``fabweave.connect``.
    The client is an async context manager: ``async with await connect(...) as client``."""

class Client:
    """A connection to a Fabric network as one identity, for asyncio."""

    @property
    def closed(self) -> bool:
        """Whether ``close()`` was called."""
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
    ) -> Committed:
        """Endorses, orders and waits for the commit of ``function(*args)``; see
        ``fabweave.Contract.submit``."""
    async def evaluate(
        self,
        function: str,
        *args: Arg,
        transient: Mapping[str, Arg] | None = None,
    ) -> bytes:
        """Evaluates ``function(*args)`` on one peer and returns the payload."""
