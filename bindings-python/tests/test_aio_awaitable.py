"""fabweave.aio's awaitables: results, errors and cancellation, against the real network."""

import asyncio
import time

import pytest

import fabweave
import fabweave.aio
from conftest import CHANNEL, USER, profile_of


def test_awaitables_resolve_results_and_errors_and_can_be_cancelled(network):
    async def main():
        async with await fabweave.aio.connect(profile_of(network, "org1"), user=USER) as client:
            contract = client.network(CHANNEL).contract("kv_or")
            key = f"py-aw-{time.time_ns()}"
            put = contract.submit("put", key, "v")
            assert isinstance(put, asyncio.Future)
            done = await put
            assert done.block_number > 0
            with pytest.raises(fabweave.EndorseError):
                await contract.submit("fail", "no")
            # A timed-out wait cancels the call; the loop and the client go on working.
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(contract.evaluate("sleep", "3000"), 0.3)
            assert await contract.evaluate("get", key) == b"v"

    asyncio.run(main())
