"""Chaincode event and block streams against the real network, sync and asyncio, with
checkpoints across a restart of the listener."""

import _thread
import asyncio
import json
import threading
import time

import pytest

import fabweave
import fabweave.aio
from conftest import CHANNEL, USER, profile_of

# How long a test waits for an event before it closes the stream (and so fails, not hangs).
WAIT = 60.0


def unique(name: str) -> str:
    return f"{name}-{time.time_ns()}"


def take(stream, n: int) -> list:
    """The next `n` items of a sync stream; the stream is closed if they take longer than
    WAIT, which ends the iteration and fails the test instead of hanging it."""
    watchdog = threading.Timer(WAIT, stream.close)
    watchdog.start()
    try:
        items = []
        for item in stream:
            items.append(item)
            if len(items) == n:
                break
    finally:
        watchdog.cancel()
    assert len(items) == n, f"only {len(items)} of {n} items within {WAIT} s"
    return items


async def atake(stream, n: int) -> list:
    """The next `n` items of an asyncio stream, within WAIT."""

    async def read():
        items = []
        async for item in stream:
            items.append(item)
            if len(items) == n:
                break
        return items

    items = await asyncio.wait_for(read(), WAIT)
    assert len(items) == n, f"the stream ended after {len(items)} of {n} items"
    return items


def emit(contract, name: str, payload: str):
    """Submits `event NAME PAYLOAD`; the Committed."""
    return contract.submit("event", name, payload)


@pytest.fixture
def client(network):
    with fabweave.connect(profile_of(network, "org1"), user=USER) as c:
        yield c


def test_sync_stream_reads_the_event_from_the_submits_block(client):
    contract = client.network(CHANNEL).contract("kv")
    name, payload = unique("py-ev"), unique("payload")
    done = emit(contract, name, payload)
    with contract.chaincode_events(event_name=name, start=done.block_number) as events:
        assert isinstance(events, fabweave.ChaincodeEventStream)
        assert events.channel == CHANNEL
        (event,) = take(events, 1)
        assert isinstance(event, fabweave.ChaincodeEvent)
        assert event.payload == payload.encode()
        assert event.event_name == name
        assert event.chaincode_id == "kv"
        assert event.tx_id == done.tx_id
        assert event.block_number == done.block_number
        assert isinstance(event.tx_index, int)
        assert events.sessions >= 1
        assert events.peer, "connected to a peer while reading"
        assert not events.closed
    assert events.closed
    assert events.peer is None
    # A closed stream ends.
    assert list(events) == []
    events.close()  # twice is harmless


def test_aio_stream_reads_the_event_from_the_submits_block(network):
    async def main():
        async with await fabweave.aio.connect(profile_of(network, "org1"), user=USER) as client:
            contract = client.network(CHANNEL).contract("kv")
            name, payload = unique("py-aio-ev"), unique("payload")
            done = await contract.submit("event", name, payload)
            stream = await contract.chaincode_events(event_name=name, start=done.block_number)
            assert isinstance(stream, fabweave.aio.ChaincodeEventStream)
            async with stream as events:
                (event,) = await atake(events, 1)
                assert isinstance(event, fabweave.ChaincodeEvent)
                assert (event.payload, event.tx_id) == (payload.encode(), done.tx_id)
                assert event.block_number == done.block_number
                # The next item is awaited; closing the stream ends the wait with the end of
                # the iteration.
                pending = asyncio.ensure_future(events.__anext__())
                await asyncio.sleep(0.3)
                events.close()
                with pytest.raises(StopAsyncIteration):
                    await asyncio.wait_for(pending, WAIT)
            assert events.closed
            with pytest.raises(TypeError, match="async for"):
                iter(events)

    asyncio.run(main())


def test_file_checkpoint_resumes_after_the_last_ack_exactly_once(client, tmp_path):
    contract = client.network(CHANNEL).contract("kv")
    name = unique("py-cp")
    path = tmp_path / "listener.checkpoint.json"
    first_batch = [f"a{i}" for i in range(3)]
    blocks = [emit(contract, name, p).block_number for p in first_batch]

    checkpointer = fabweave.FileCheckpointer(path)
    assert checkpointer.checkpoint is None
    assert checkpointer.path == path
    seen = []
    with contract.chaincode_events(
        event_name=name, start=blocks[0], checkpoint=checkpointer
    ) as events:
        for event in take(events, 2):
            seen.append(event.payload.decode())
            events.ack(event)  # processed: record it
        last = event
    assert seen == first_batch[:2]
    at = checkpointer.checkpoint
    assert isinstance(at, fabweave.Checkpoint)
    assert (at.block_number, at.tx_index, at.tx_id) == (last.block_number, last.tx_index, last.tx_id)
    on_disk = json.loads(path.read_text())
    assert on_disk["blockNumber"] == last.block_number
    assert on_disk["transactionIndex"] == last.tx_index

    # More events while the listener is down; a new process (a new checkpointer on the same
    # file) resumes after the last acknowledged event, whatever `start` says.
    second_batch = [f"b{i}" for i in range(2)]
    for p in second_batch:
        emit(contract, name, p)
    reopened = fabweave.FileCheckpointer(path)
    assert reopened.checkpoint == at
    with contract.chaincode_events(event_name=name, start="newest", checkpoint=reopened) as events:
        for event in take(events, 3):
            seen.append(event.payload.decode())
            events.ack(event)
    assert seen == first_batch + second_batch, "each event exactly once, in ledger order"
    assert fabweave.FileCheckpointer(path).checkpoint.block_number == event.block_number


def test_in_memory_checkpointer_and_a_checkpoint_as_start(client):
    contract = client.network(CHANNEL).contract("kv")
    name = unique("py-mem")
    b0 = emit(contract, name, "0").block_number
    emit(contract, name, "1")
    memory = fabweave.InMemoryCheckpointer()
    with contract.chaincode_events(event_name=name, start=b0, checkpoint=memory) as events:
        (first,) = take(events, 1)
        events.ack(first)
    assert memory.checkpoint.block_number == first.block_number
    # Reopened with the same checkpointer: after the first event.
    with contract.chaincode_events(event_name=name, checkpoint=memory) as events:
        assert [e.payload for e in take(events, 1)] == [b"1"]
    # Starting after an explicit Checkpoint (no checkpointer) does the same.
    after = fabweave.Checkpoint(first.block_number, first.tx_index, first.tx_id)
    assert after == memory.checkpoint and hash(after) == hash(memory.checkpoint)
    with contract.chaincode_events(event_name=name, start=after) as events:
        assert [e.payload for e in take(events, 1)] == [b"1"]
    # Events of Committed.events carry no position: they cannot be checkpointed.
    done = emit(contract, name, "2")
    with pytest.raises(ValueError, match="transaction index"):
        memory.save(done.events[0])


def test_filtered_and_full_block_events(client):
    network = client.network(CHANNEL)
    name, payload = unique("py-blk"), unique("payload")
    done = emit(network.contract("kv"), name, payload)

    with network.block_events(kind="filtered", start=done.block_number) as blocks:
        assert isinstance(blocks, fabweave.BlockEventStream)
        (block,) = take(blocks, 1)
    assert isinstance(block, fabweave.BlockEvent)
    assert (block.number, block.kind) == (done.block_number, "filtered")
    assert block.to_dict() is None, "filtered blocks are not full blocks"
    (event,) = [e for e in block.chaincode_events if e.event_name == name]
    assert event.tx_id == done.tx_id
    assert event.payload == b"", "filtered blocks carry no payloads"

    with network.block_events(start=done.block_number) as blocks:
        (block,) = take(blocks, 1)
    assert (block.number, block.kind) == (done.block_number, "full")
    (event,) = [e for e in block.chaincode_events if e.event_name == name]
    assert event.payload == payload.encode()
    decoded = block.to_dict()
    assert decoded["number"] == done.block_number
    assert len(decoded["hash"]) == 64
    (tx,) = [t for t in decoded["transactions"] if t["tx_id"] == done.tx_id]
    assert tx["validation_code_name"] == "VALID"
    action = tx["actions"][0]
    assert action["chaincode"] == "kv"
    assert action["function"] == {"encoding": "utf8", "value": "event"}
    assert action["event"]["name"] == name
    assert action["event"]["payload"]["value"] == payload


def test_aio_block_events_in_order(network):
    async def main():
        async with await fabweave.aio.connect(profile_of(network, "org1"), user=USER) as client:
            net = client.network(CHANNEL)
            done = await net.contract("kv").submit("event", unique("py-aio-blk"), "x")
            async with await net.block_events(
                kind="filtered", start=done.block_number - 1
            ) as blocks:
                got = await atake(blocks, 2)
            assert [b.number for b in got] == [done.block_number - 1, done.block_number]

    asyncio.run(main())


def test_ctrl_c_interrupts_a_waiting_iterator(client):
    contract = client.network(CHANNEL).contract("kv")
    # No event of this name is ever emitted: the iterator waits until interrupted.
    with contract.chaincode_events(event_name=unique("py-never")) as events:
        interrupter = threading.Timer(0.5, _thread.interrupt_main)
        interrupter.start()
        started = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            next(events)
        assert time.monotonic() - started < 10
    assert events.closed


def test_bad_options_raise_before_opening(client):
    network = client.network(CHANNEL)
    contract = network.contract("kv")
    with pytest.raises(ValueError, match="start"):
        contract.chaincode_events(start="latest")
    with pytest.raises(TypeError, match="start"):
        contract.chaincode_events(start=1.5)
    with pytest.raises(ValueError, match="kind"):
        network.block_events(kind="private")
    with pytest.raises(TypeError):
        network.block_events(checkpoint="file.json")



def test_a_file_that_is_not_a_checkpoint_raises_checkpoint_error(tmp_path):
    path = tmp_path / "not-a-checkpoint.json"
    path.write_text("[1, 2, 3]")
    with pytest.raises(fabweave.CheckpointError):
        fabweave.FileCheckpointer(path)
