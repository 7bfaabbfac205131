"""Ledger queries (qscc, cscc) against the real network, sync and asyncio: chain info, blocks
by number, hash and transaction id, transactions with their validation codes, not-found
answers, and the channels of a peer."""

import asyncio
import time

import pytest

import fabweave
import fabweave.aio
from conftest import CHANNEL, USER, profile_of


def unique(name: str) -> str:
    return f"{name}-{time.time_ns()}"


def org1_peer(network) -> dict:
    """An Org1 peer of the manifest."""
    return next(p for p in network["peers"] if p["org"] == "org1")


def peer_name(peer: dict) -> str:
    """The peer's name in the profiles: host:port (e.g. peer0.org1.example.com:7051)."""
    return f"{peer['tlsHost']}:{peer['address'].rsplit(':', 1)[1]}"


@pytest.fixture
def client(network):
    with fabweave.connect(profile_of(network, "org1"), user=USER) as c:
        yield c


def test_chain_info_grows_and_the_transaction_is_found_decoded(client):
    net = client.network(CHANNEL)
    ledger = net.ledger()
    assert isinstance(ledger, fabweave.Ledger)
    assert ledger.channel == CHANNEL
    before = ledger.chain_info()
    assert isinstance(before, fabweave.ChainInfo)
    assert len(before.current_block_hash) == 32

    key, value = unique("py-ledger-key"), unique("py-ledger-value")
    done = net.contract("kv_or").submit(
        "put", key, value, commit_strategy="NETWORK_SCOPE_ALLFORTX"
    )
    after = ledger.chain_info()
    assert after.height > before.height
    assert after.height > done.block_number

    tx = ledger.transaction(done.tx_id)
    assert tx["tx_id"] == done.tx_id
    assert (tx["validation_code"], tx["validation_code_name"]) == (0, "VALID")
    assert tx["header_type"] == "ENDORSER_TRANSACTION"
    assert tx["channel"] == CHANNEL
    assert tx["creator"]["msp_id"] == "Org1MSP"
    action = tx["actions"][0]
    assert action["chaincode"] == "kv_or"
    assert action["function"]["value"] == "put"
    assert [a["value"] for a in action["args"]] == [key, value]
    (rwset,) = [s for s in action["rwsets"] if s["namespace"] == "kv_or"]
    (write,) = [w for w in rwset["writes"] if w["key"] == key]
    assert write["value"] == {"encoding": "utf8", "value": value}
    assert write["is_delete"] is False


def test_blocks_by_number_hash_and_tx_id(client):
    net = client.network(CHANNEL)
    ledger = net.ledger(timeout=20, peers=None)
    genesis = ledger.block_by_number(0)
    assert genesis["number"] == 0
    (config_tx,) = genesis["transactions"]
    assert config_tx["header_type"] == "CONFIG"
    assert config_tx["config"]["application_orgs"], "the channel's organizations"

    done = net.contract("kv_or").submit(
        "put", unique("py-block"), "v", commit_strategy="NETWORK_SCOPE_ALLFORTX"
    )
    block = ledger.block_by_tx_id(done.tx_id)
    assert block["number"] == done.block_number
    assert done.tx_id in [t["tx_id"] for t in block["transactions"]]
    assert ledger.block_by_number(done.block_number) == block

    # By hash: bytes (chain info) or hex (a decoded block's hash).
    assert ledger.block_by_hash(block["hash"])["number"] == done.block_number
    info = ledger.chain_info()
    latest = ledger.block_by_hash(info.current_block_hash)
    assert latest["number"] == info.height - 1
    assert latest["hash"] == info.current_block_hash.hex()
    if latest["number"] > 0:
        assert latest["previous_hash"] == info.previous_block_hash.hex()


def test_not_found_is_none(client):
    ledger = client.network(CHANNEL).ledger()
    missing = "0" * 64
    assert ledger.transaction(missing) is None
    assert ledger.block_by_tx_id(missing) is None
    assert ledger.block_by_number(10**12) is None
    assert ledger.block_by_hash(bytes(32)) is None


def test_channels_of_a_peer(client, network):
    ledger = client.network(CHANNEL).ledger()
    peer = org1_peer(network)
    assert CHANNEL in ledger.channels(peer_name(peer))
    assert CHANNEL in ledger.channels(peer["address"]), "by address too"
    with pytest.raises(fabweave.ProfileError):
        ledger.channels("peer9.nowhere.example.com")


def test_closed_client_and_bad_hash(network):
    client = fabweave.connect(profile_of(network, "org1"), user=USER)
    ledger = client.network(CHANNEL).ledger()
    with pytest.raises(TypeError, match="hash"):
        ledger.block_by_hash(12)
    client.close()
    with pytest.raises(fabweave.FabweaveError, match="closed"):
        ledger.chain_info()


def test_aio_ledger(network):
    async def main():
        async with await fabweave.aio.connect(profile_of(network, "org1"), user=USER) as client:
            net = client.network(CHANNEL)
            ledger = net.ledger()
            assert isinstance(ledger, fabweave.aio.Ledger)
            done = await net.contract("kv_or").submit(
                "put", unique("py-aio-ledger"), "v", commit_strategy="NETWORK_SCOPE_ALLFORTX"
            )
            info, tx, block, channels = await asyncio.gather(
                ledger.chain_info(),
                ledger.transaction(done.tx_id),
                ledger.block_by_tx_id(done.tx_id),
                ledger.channels(peer_name(org1_peer(network))),
            )
            assert info.height > done.block_number
            assert tx["validation_code_name"] == "VALID"
            assert block["number"] == done.block_number
            assert CHANNEL in channels
            assert await ledger.transaction("f" * 64) is None

    asyncio.run(main())
