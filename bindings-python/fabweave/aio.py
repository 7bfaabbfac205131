"""fabweave for asyncio: the calls of :mod:`fabweave` as coroutines.

::

    async with await fabweave.aio.connect("org1-sdk-config.yaml", user="User1") as client:
        contract = client.network("mychannel").contract("basic")
        done = await contract.submit("CreateAsset", "a1", "blue")

Results and exceptions are those of :mod:`fabweave`.
"""

from ._fabweave import AsyncCaClient as CaClient
from ._fabweave import AsyncClient as Client
from ._fabweave import AsyncContract as Contract
from ._fabweave import AsyncNetwork as Network
from ._fabweave import aio_connect as connect
from ._fabweave import AsyncProposal as Proposal
from ._fabweave import AsyncSubmitted as Submitted
from ._fabweave import AsyncTransaction as Transaction


# Events and the ledger
from ._fabweave import AsyncBlockEventStream as BlockEventStream
from ._fabweave import AsyncChaincodeEventStream as ChaincodeEventStream
from ._fabweave import AsyncLedger as Ledger

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


