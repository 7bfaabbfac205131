"""Submit and evaluate against the real network, through the sync and asyncio APIs."""

import asyncio
import os
import time

import pytest

import fabweave
import fabweave.aio
from conftest import CHANNEL, USER, profile_of


def unique(name: str) -> str:
    return f"{name}-{time.time_ns()}"


@pytest.mark.parametrize("mode", ["auto", "client"])
def test_submit_on_org1_then_evaluate_on_org2(network, mode):
    key, value = unique("py-key"), unique("py-value")
    with fabweave.connect(profile_of(network, "org1"), user=USER, mode=mode) as org1:
        # Every peer of the channel has the value once this returns: Org2 reads it next.
        done = org1.network(CHANNEL).contract("kv_or").submit(
            "put", key, value.encode(), commit_strategy="NETWORK_SCOPE_ALLFORTX"
        )
    assert isinstance(done, fabweave.Committed)
    assert len(done.tx_id) == 64
    assert done.block_number > 0
    assert isinstance(done.payload, bytes)
    assert [a.tx_id for a in done.attempts] == [done.tx_id]
    assert done.attempts[0].block_number == done.block_number
    assert done.confirmed and done.confirmed_by
    assert done.via == ("gateway" if mode == "auto" else "client")
    assert {e["msp_id"] for e in done.endorsers} <= {"Org1MSP", "Org2MSP"} and done.endorsers

    with fabweave.connect(profile_of(network, "org2"), user=USER, mode=mode) as org2:
        got = org2.network(CHANNEL).contract("kv_or").evaluate("get", key)
    assert got == value.encode()


def test_transient_and_endorsing_orgs_are_accepted(network):
    key = unique("py-orgs")
    with fabweave.connect(profile_of(network, "org1"), user=USER) as client:
        contract = client.network(CHANNEL).contract("kv_or")
        done = contract.submit(
            "put", key, "v", transient={"unused": b"\x00\x01"}, endorsing_orgs=["Org2MSP"]
        )
        assert done.block_number > 0
        assert contract.evaluate("get", key, transient={"unused": "x"}) == b"v"


def test_chaincode_error_raises_endorse_error_with_peers(network):
    with fabweave.connect(profile_of(network, "org1"), user=USER) as client:
        contract = client.network(CHANNEL).contract("kv_or")
        with pytest.raises(fabweave.EndorseError) as caught:
            contract.submit("fail", "python says no")
    err = caught.value
    assert isinstance(err, fabweave.FabweaveError)
    assert "python says no" in str(err)
    assert err.kind == "endorse"
    assert err.retryable is False
    assert err.transaction_id and len(err.transaction_id) == 64
    assert err.peers, "the peers that answered"
    assert any("python says no" in p["message"] for p in err.peers)
    for p in err.peers:
        assert set(p) == {"peer", "address", "msp_id", "status", "message"}
        assert isinstance(p["status"], int)


def test_evaluate_error_raises_endorse_error(network):
    with fabweave.connect(profile_of(network, "org1"), user=USER) as client:
        with pytest.raises(fabweave.EndorseError, match="evaluate says no"):
            client.network(CHANNEL).contract("kv_or").evaluate("fail", "evaluate says no")


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
