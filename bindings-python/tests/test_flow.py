"""The binding itself against the real network (closing, argument types, asyncio, fork, identities).

The transaction scenarios shared with the Rust suites are in test_scenarios.py.
"""

import asyncio
import os
import time

import pytest

import fabweave
import fabweave.aio
from conftest import CHANNEL, USER, profile_of


def unique(name: str) -> str:
    return f"{name}-{time.time_ns()}"


def test_context_manager_closes(network):
    with fabweave.connect(profile_of(network, "org1"), user=USER) as client:
        contract = client.network(CHANNEL).contract("kv_or")
        assert not client.closed
    assert client.closed
    with pytest.raises(fabweave.FabweaveError, match="closed"):
        contract.evaluate("get", "anything")
    with pytest.raises(fabweave.FabweaveError, match="closed"):
        client.network(CHANNEL)
    client.close()  # twice is harmless


def test_arguments_must_be_str_or_bytes(network):
    with fabweave.connect(profile_of(network, "org1"), user=USER) as client:
        contract = client.network(CHANNEL).contract("kv_or")
        with pytest.raises(TypeError, match="argument 2"):
            contract.evaluate("get", "k", 3)


def test_aio_submit_and_evaluate_concurrently(network):
    async def main():
        client = await fabweave.aio.connect(profile_of(network, "org1"), user=USER)
        async with client:
            contract = client.network(CHANNEL).contract("kv_or")
            keys = [unique(f"py-aio-{i}") for i in range(8)]
            done = await asyncio.gather(*(contract.submit("put", k, k) for k in keys))
            assert len({d.tx_id for d in done}) == len(keys)
            values = await asyncio.gather(*(contract.evaluate("get", k) for k in keys))
            assert values == [k.encode() for k in keys]
            with pytest.raises(fabweave.EndorseError, match="aio says no"):
                await contract.submit("fail", "aio says no")
        assert client.closed

    asyncio.run(main())


def test_use_after_fork_fails_clearly(network):
    with fabweave.connect(profile_of(network, "org1"), user=USER) as client:
        contract = client.network(CHANNEL).contract("kv_or")
        key = unique("py-fork")
        contract.submit("put", key, "before")
        pid = os.fork()
        if pid == 0:  # the child: its copy of the runtime has no threads
            code = 3
            try:
                contract.evaluate("get", key)
            except fabweave.FabweaveError as e:
                code = 0 if "fork" in str(e) else 2
            except BaseException:
                code = 4
            os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert contract.evaluate("get", key) == b"before"  # the parent is unaffected


def test_connect_with_an_identity_from_an_msp_folder(network):
    org1 = network["orgs"]["org1"]
    identity = fabweave.Identity.from_msp_dir(org1["mspId"], org1["user1"]["msp"])
    assert identity.msp_id == org1["mspId"]
    assert "PRIVATE KEY" not in repr(identity)
    key = unique("py-identity")
    with fabweave.connect(profile_of(network, "org1"), identity=identity) as client:
        assert client.msp_id == org1["mspId"]
        contract = client.network(CHANNEL).contract("kv_or")
        contract.submit("put", key, "by identity")
        assert contract.evaluate("get", key) == b"by identity"
