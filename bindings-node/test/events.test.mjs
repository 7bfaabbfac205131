// Chaincode event and block streams against the real network: events in ledger order, full and
// filtered blocks, start positions, checkpoints across a restart of the listener and across a
// peer failure, and streams that settle when closed and let the process exit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  connect,
  BlockEvent,
  CheckpointError,
  EventStream,
  FabweaveError,
  FileCheckpointer,
  InMemoryCheckpointer,
} from 'fabweave';
import { CHANNEL, USER, down, node, profileOf, unique, up } from './network.mjs';

// How long a test waits for an event before it closes the stream (and so fails, not hangs).
const WAIT_MS = 60_000;

let manifest;
let client;

before(async () => {
  manifest = up();
  client = await connect({ profile: profileOf(manifest, 'org1'), user: USER });
});

after(async () => {
  await client?.close();
  down();
});

/**
 * The next `n` items of a stream; the stream is closed if they take longer than WAIT_MS, which
 * ends the iteration and fails the test instead of hanging it. Leaves the loop with `break`,
 * which closes the stream.
 */
async function take(stream, n) {
  const watchdog = setTimeout(() => stream.close(), WAIT_MS);
  const items = [];
  try {
    if (n > 0) {
      for await (const item of stream) {
        items.push(item);
        if (items.length === n) break;
      }
    }
  } finally {
    clearTimeout(watchdog);
  }
  assert.equal(items.length, n, `only ${items.length} of ${n} items within ${WAIT_MS} ms`);
  return items;
}

/** The next item of a stream without closing it (within WAIT_MS). */
async function nextOf(stream) {
  const watchdog = setTimeout(() => stream.close(), WAIT_MS);
  try {
    const r = await stream.next();
    assert.equal(r.done, false, `no item within ${WAIT_MS} ms`);
    return r.value;
  } finally {
    clearTimeout(watchdog);
  }
}

/** Submits `event NAME PAYLOAD` on `contract`; the Committed. */
function emit(contract, name, payload, options = {}) {
  return contract.submit('event', { args: [name, payload], ...options });
}

/** A promise that rejects after `ms` (a settle-or-fail bound for a promise under test). */
function within(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

test('chaincode events arrive in ledger order with their fields; break closes the stream', async () => {
  const contract = client.network(CHANNEL).contract('kv');
  const name = unique('node-ev');
  const payloads = ['p0', 'p1', 'p2'];
  const done = [];
  for (const p of payloads) done.push(await emit(contract, name, p));

  const stream = await contract.chaincodeEvents({ eventName: name, start: done[0].blockNumber });
  assert.ok(stream instanceof EventStream);
  assert.equal(stream.channel, CHANNEL);
  assert.equal(stream.closed, false);
  const events = await take(stream, 3);
  assert.deepEqual(
    events.map((e) => e.payload.toString()),
    payloads,
  );
  events.forEach((e, i) => {
    assert.ok(Buffer.isBuffer(e.payload));
    assert.equal(e.txId, done[i].txId);
    assert.equal(e.blockNumber, done[i].blockNumber);
    assert.equal(e.chaincodeId, 'kv');
    assert.equal(e.eventName, name);
    assert.ok(Number.isInteger(e.txIndex) && e.txIndex >= 0, `txIndex ${e.txIndex}`);
  });
  assert.ok(stream.sessions >= 1);
  assert.equal(stream.lastError, null);
  // `break` in the for-await loop closed it: it ends, and closing again is harmless.
  assert.equal(stream.closed, true);
  assert.equal(stream.peer, null);
  assert.deepEqual(await stream.next(), { done: true, value: undefined });
  await stream.close();
});

test('a stream opened first receives events committed later, live, in order', async () => {
  const contract = client.network(CHANNEL).contract('kv');
  const name = unique('node-live');
  const stream = await contract.chaincodeEvents({ eventName: name });
  try {
    const reading = take(stream, 2);
    const a = await emit(contract, name, 'first');
    const b = await emit(contract, name, 'second');
    const got = await reading;
    assert.deepEqual(
      got.map((e) => [e.payload.toString(), e.txId]),
      [
        ['first', a.txId],
        ['second', b.txId],
      ],
    );
    assert.ok(stream.peer === null, 'closed by break');
  } finally {
    await stream.close();
  }
});

test('filtered and full block events: transactions, chaincode events, raw bytes, decoded form', async () => {
  const network = client.network(CHANNEL);
  const name = unique('node-blk');
  const payload = unique('payload');
  const done = await emit(network.contract('kv'), name, payload);

  const filtered = await network.blockEvents({ kind: 'filtered', start: done.blockNumber });
  const [fb] = await take(filtered, 1);
  assert.ok(fb instanceof BlockEvent);
  assert.equal(fb.number, done.blockNumber);
  assert.equal(fb.kind, 'filtered');
  assert.equal(fb.decode(), null, 'filtered blocks are not full blocks');
  assert.ok(Buffer.isBuffer(fb.bytes) && fb.bytes.length > 0);
  const ftx = fb.transactions.find((t) => t.txId === done.txId);
  assert.ok(ftx, 'the transaction is in the filtered block');
  assert.equal(ftx.validationCode, 0);
  assert.equal(ftx.validationCodeName, 'VALID');
  const [fev] = fb.chaincodeEvents.filter((e) => e.eventName === name);
  assert.equal(fev.txId, done.txId);
  assert.equal(fev.payload.length, 0, 'filtered blocks carry no payloads');

  const full = await network.blockEvents({ start: done.blockNumber });
  const [block] = await take(full, 1);
  assert.equal(block.number, done.blockNumber);
  assert.equal(block.kind, 'full');
  assert.deepEqual(
    block.transactions.map((t) => [t.index, t.txId, t.validationCode]),
    fb.transactions.map((t) => [t.index, t.txId, t.validationCode]),
    'the same transactions as the filtered block',
  );
  const [event] = block.chaincodeEvents.filter((e) => e.eventName === name);
  assert.equal(event.payload.toString(), payload);
  assert.ok(block.bytes.length > fb.bytes.length, 'a full block is larger than its filtered form');

  const decoded = block.decode();
  assert.equal(decoded.number, done.blockNumber);
  assert.match(decoded.hash, /^[0-9a-f]{64}$/);
  assert.match(decoded.previousHash, /^[0-9a-f]{64}$/);
  const tx = decoded.transactions.find((t) => t.txId === done.txId);
  assert.equal(tx.validationCodeName, 'VALID');
  assert.equal(tx.headerType, 'ENDORSER_TRANSACTION');
  const [action] = tx.actions;
  assert.equal(action.chaincode, 'kv');
  assert.deepEqual(action.function, { encoding: 'utf8', value: 'event' });
  assert.equal(action.event.name, name);
  assert.deepEqual(action.event.payload, { encoding: 'utf8', value: payload });

  // Full blocks with the private data Org1 may read: the same block.
  const withPrivate = await network.blockEvents({ kind: 'withPrivateData', start: done.blockNumber });
  const [pb] = await take(withPrivate, 1);
  assert.equal(pb.kind, 'withPrivateData');
  assert.equal(pb.number, done.blockNumber);
  assert.deepEqual(pb.transactions, block.transactions);
  assert.equal(pb.decode().hash, decoded.hash);

  // Chaincode events read from filtered blocks: no payloads either.
  const names = await network
    .contract('kv')
    .chaincodeEvents({ eventName: name, kind: 'filtered', start: done.blockNumber });
  const [named] = await take(names, 1);
  assert.equal(named.txId, done.txId);
  assert.equal(named.payload.length, 0);
});

test("block events from 'oldest' start at block 0 and come in order", async () => {
  const blocks = await client.network(CHANNEL).blockEvents({ kind: 'filtered', start: 'oldest' });
  const got = await take(blocks, 3);
  assert.deepEqual(
    got.map((b) => b.number),
    [0, 1, 2],
  );
});

test('a file checkpoint resumes after the last ack: each event exactly once', async () => {
  const contract = client.network(CHANNEL).contract('kv');
  const name = unique('node-cp');
  const dir = mkdtempSync(join(tmpdir(), 'fabweave-node-cp-'));
  try {
    const file = join(dir, 'listener.checkpoint.json');
    const first = ['a0', 'a1', 'a2'];
    const blocks = [];
    for (const p of first) blocks.push((await emit(contract, name, p)).blockNumber);

    const checkpointer = new FileCheckpointer(file);
    assert.equal(checkpointer.checkpoint, null);
    assert.equal(checkpointer.path, file);
    const seen = [];
    let last;
    const stream = await contract.chaincodeEvents({ eventName: name, start: blocks[0], checkpointer });
    for (let i = 0; i < 2; i++) {
      const event = await nextOf(stream);
      seen.push(event.payload.toString());
      await stream.ack(event); // processed: record it
      last = event;
    }
    await stream.close();
    assert.deepEqual(seen, first.slice(0, 2));
    assert.deepEqual(checkpointer.checkpoint, {
      blockNumber: last.blockNumber,
      txIndex: last.txIndex,
      txId: last.txId,
    });
    const onDisk = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(onDisk.blockNumber, last.blockNumber);
    assert.equal(onDisk.transactionIndex, last.txIndex);

    // More events while the listener is down; a new checkpointer on the same file (a restarted
    // process) resumes after the last acknowledged event, whatever `start` says.
    const second = ['b0', 'b1'];
    for (const p of second) await emit(contract, name, p);
    const reopened = new FileCheckpointer(file);
    assert.deepEqual(reopened.checkpoint, checkpointer.checkpoint);
    const again = await contract.chaincodeEvents({ eventName: name, start: 'newest', checkpointer: reopened });
    let event;
    for (let i = 0; i < 3; i++) {
      event = await nextOf(again);
      seen.push(event.payload.toString());
      await again.ack(event);
    }
    await again.close();
    assert.deepEqual(seen, [...first, ...second], 'each event exactly once, in ledger order');
    assert.equal(new FileCheckpointer(file).checkpoint.blockNumber, event.blockNumber);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an in-memory checkpointer, a checkpoint as start, and block-level acks', async () => {
  const network = client.network(CHANNEL);
  const contract = network.contract('kv');
  const name = unique('node-mem');
  const b0 = (await emit(contract, name, '0')).blockNumber;
  await emit(contract, name, '1');
  const memory = new InMemoryCheckpointer();
  assert.equal(memory.checkpoint, null);

  const stream = await contract.chaincodeEvents({ eventName: name, start: b0, checkpointer: memory });
  const first = await nextOf(stream);
  await stream.ack(first);
  await stream.close();
  assert.equal(memory.checkpoint.blockNumber, first.blockNumber);
  assert.equal(memory.checkpoint.txIndex, first.txIndex);

  // Reopened with the same checkpointer: after the first event.
  const reopened = await contract.chaincodeEvents({ eventName: name, checkpointer: memory });
  assert.deepEqual(
    (await take(reopened, 1)).map((e) => e.payload.toString()),
    ['1'],
  );
  // Starting after an explicit checkpoint (no checkpointer) does the same.
  const after = { blockNumber: first.blockNumber, txIndex: first.txIndex, txId: first.txId };
  const fromCheckpoint = await contract.chaincodeEvents({ eventName: name, start: after });
  assert.deepEqual(
    (await take(fromCheckpoint, 1)).map((e) => e.payload.toString()),
    ['1'],
  );

  // Events of Committed.events carry no position: they cannot be acknowledged.
  const done = await emit(contract, name, '2');
  await assert.rejects(memory.save(done.events[0]), (e) => {
    assert.ok(e instanceof TypeError);
    assert.equal(e.code, 'ERR_INVALID_ARG_VALUE');
    assert.match(e.message, /transaction index/);
    return true;
  });

  // A block stream acknowledges whole blocks and resumes at the next one.
  const blocksCp = new InMemoryCheckpointer();
  const blocks = await network.blockEvents({ kind: 'filtered', start: b0, checkpointer: blocksCp });
  const block = await nextOf(blocks);
  await blocks.ack(block);
  await blocks.close();
  assert.deepEqual(blocksCp.checkpoint, { blockNumber: b0, txIndex: null, txId: null });
  const resumed = await network.blockEvents({ kind: 'filtered', start: 'oldest', checkpointer: blocksCp });
  const [next] = await take(resumed, 1);
  assert.equal(next.number, b0 + 1);
});

test('close() settles a pending next(), and ends a for-await loop that waits', async () => {
  const contract = client.network(CHANNEL).contract('kv');
  // No event of this name is ever emitted: reads wait until the stream is closed.
  const stream = await contract.chaincodeEvents({ eventName: unique('node-never') });
  const pending = stream.next();
  setTimeout(() => stream.close(), 300);
  const started = Date.now();
  assert.deepEqual(await within(pending, 10_000, 'the pending next()'), { done: true, value: undefined });
  assert.ok(Date.now() - started < 10_000);
  assert.equal(stream.closed, true);

  const waiting = await contract.chaincodeEvents({ eventName: unique('node-never') });
  const loop = (async () => {
    const got = [];
    for await (const e of waiting) got.push(e);
    return got;
  })();
  setTimeout(() => waiting[Symbol.asyncDispose](), 300);
  assert.deepEqual(await within(loop, 10_000, 'the for-await loop'), []);
  assert.equal(waiting.closed, true);
});

test('a stream reconnects to another peer when its peer stops: no event lost or repeated', async () => {
  const contract = client.network(CHANNEL).contract('kv_or');
  const name = unique('node-failover');
  const options = { commitStrategy: 'NETWORK_SCOPE_ANYFORTX' };
  const b0 = (await emit(contract, name, 'e0', options)).blockNumber;
  const stream = await contract.chaincodeEvents({ eventName: name, start: b0 });
  let stopped = null;
  try {
    const e0 = await nextOf(stream);
    assert.equal(e0.payload.toString(), 'e0');
    const reading = stream.peer;
    const peer = manifest.peers.find(
      (p) => reading === p.name || reading === p.tlsHost || reading === p.address || reading.startsWith(`${p.name}.`),
    );
    assert.ok(peer, `the stream's peer ${reading} is one of the network's`);
    node('stop', peer.name);
    stopped = peer.name;
    const payloads = ['e1', 'e2', 'e3'];
    for (const p of payloads) await emit(contract, name, p, options);
    const got = [];
    for (let i = 0; i < payloads.length; i++) got.push((await nextOf(stream)).payload.toString());
    assert.deepEqual(got, payloads, 'every event once, in order, across the reconnection');
    assert.ok(stream.sessions >= 2, `sessions ${stream.sessions}`);
    assert.notEqual(stream.peer, reading);
    assert.ok(stream.lastError instanceof FabweaveError, 'the broken stream is remembered');
  } finally {
    await stream.close();
    if (stopped) node('start', stopped);
  }
});

test('streams closed by break and close() leave nothing that keeps Node running', async () => {
  // A separate Node process that reads one event with for-await + break, leaves a next()
  // pending and closes that stream, closes the client, and then must exit by itself.
  const dir = mkdtempSync(join(tmpdir(), 'fabweave-node-exit-'));
  try {
    const script = join(dir, 'listener.mjs');
    const pkg = join(dirname(fileURLToPath(import.meta.url)), '..', 'index.js');
    writeFileSync(
      script,
      `import { createRequire } from 'node:module';
const { connect } = createRequire(import.meta.url)(${JSON.stringify(pkg)});
const client = await connect({ profile: ${JSON.stringify(profileOf(manifest, 'org1'))}, user: 'User1' });
const contract = client.network(${JSON.stringify(CHANNEL)}).contract('kv');
const name = ${JSON.stringify(unique('node-exit'))};
const done = await contract.submit('event', { args: [name, 'x'] });
const stream = await contract.chaincodeEvents({ eventName: name, start: done.blockNumber });
for await (const e of stream) { if (e.txId === done.txId) break; }
const idle = await client.network(${JSON.stringify(CHANNEL)}).blockEvents({ kind: 'filtered' });
await idle.next();
const pending = idle.next();
await idle.close();
await pending;
await client.close();
console.log(JSON.stringify({ closed: stream.closed, idle: idle.closed }));
`,
    );
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const code = await within(
      new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? signal))),
      90_000,
      'the listener process',
    ).catch((e) => {
      child.kill('SIGKILL');
      throw e;
    });
    assert.equal(code, 0, `exit ${code}: ${err}`);
    assert.deepEqual(JSON.parse(out.trim()), { closed: true, idle: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad stream options are TypeErrors before anything opens', async () => {
  const network = client.network(CHANNEL);
  const contract = network.contract('kv');
  const typeError = (code) => (e) => {
    assert.ok(e instanceof TypeError, `${e.name}: ${e.message}`);
    assert.equal(e.code, code);
    return true;
  };
  await assert.rejects(contract.chaincodeEvents({ start: 'latest' }), typeError('ERR_INVALID_ARG_VALUE'));
  await assert.rejects(contract.chaincodeEvents({ start: 1.5 }), typeError('ERR_INVALID_ARG_VALUE'));
  await assert.rejects(contract.chaincodeEvents({ start: -1 }), typeError('ERR_INVALID_ARG_VALUE'));
  await assert.rejects(contract.chaincodeEvents({ start: true }), typeError('ERR_INVALID_ARG_TYPE'));
  await assert.rejects(contract.chaincodeEvents({ start: { txIndex: 1 } }), typeError('ERR_INVALID_ARG_TYPE'));
  await assert.rejects(contract.chaincodeEvents({ eventName: 7 }), typeError('ERR_INVALID_ARG_TYPE'));
  await assert.rejects(contract.chaincodeEvents({ event_name: 'x' }), typeError('ERR_INVALID_ARG_VALUE'));
  await assert.rejects(contract.chaincodeEvents({ giveUpAfter: -1 }), typeError('ERR_INVALID_ARG_VALUE'));
  await assert.rejects(network.blockEvents({ kind: 'private' }), typeError('ERR_INVALID_ARG_VALUE'));
  await assert.rejects(network.blockEvents({ eventName: 'x' }), typeError('ERR_INVALID_ARG_VALUE'));
  await assert.rejects(network.blockEvents({ checkpointer: 'file.json' }), typeError('ERR_INVALID_ARG_TYPE'));
  await assert.rejects(network.blockEvents('full'), typeError('ERR_INVALID_ARG_TYPE'));
  const memory = new InMemoryCheckpointer();
  await assert.rejects(memory.save({ blockNumber: 'one' }), typeError('ERR_INVALID_ARG_TYPE'));
});

test('checkpointer and stream objects are made by the package only; bad files are CheckpointErrors', async () => {
  const { Checkpointer } = await import('fabweave');
  assert.throws(() => new Checkpointer(), TypeError);
  assert.throws(() => new EventStream(), TypeError);
  assert.throws(() => new BlockEvent(), TypeError);
  assert.throws(() => new FileCheckpointer(''), TypeError);
  const dir = mkdtempSync(join(tmpdir(), 'fabweave-node-bad-cp-'));
  try {
    const file = join(dir, 'not-a-checkpoint.json');
    writeFileSync(file, '[1, 2, 3]');
    assert.throws(
      () => new FileCheckpointer(file),
      (e) => {
        assert.ok(e instanceof CheckpointError, `${e.name}: ${e.message}`);
        assert.equal(e.code, 'FABWEAVE_CHECKPOINT');
        assert.equal(e.file, file);
        return true;
      },
    );
    // A checkpoint saved explicitly is on disk for the next process.
    const good = join(dir, 'good.json');
    const c = new FileCheckpointer(good);
    await c.save({ blockNumber: 5, txIndex: 2, txId: 'abc' });
    assert.deepEqual(new FileCheckpointer(good).checkpoint, { blockNumber: 5, txIndex: 2, txId: 'abc' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('streams of a closed client cannot be opened', async () => {
  const other = await connect({ profile: profileOf(manifest, 'org1'), user: USER });
  const contract = other.network(CHANNEL).contract('kv');
  await other.close();
  await assert.rejects(contract.chaincodeEvents(), (e) => {
    assert.ok(e instanceof FabweaveError);
    assert.equal(e.code, 'FABWEAVE_CLOSED');
    return true;
  });
});

test("client.close() closes the client's open streams, pending next() included", async () => {
  const other = await connect({ profile: profileOf(manifest, 'org1'), user: USER });
  const blocks = await other.network(CHANNEL).blockEvents({ start: 'nextCommit' });
  const events = await other.network(CHANNEL).contract('kv').chaincodeEvents({ start: 'nextCommit' });
  const closedOnItsOwn = await other.network(CHANNEL).blockEvents({ start: 'nextCommit' });
  await closedOnItsOwn.close();
  const pending = events.next();
  assert.equal(blocks.closed, false);
  await other.close();
  assert.equal(blocks.closed, true);
  assert.equal(events.closed, true);
  assert.deepEqual(await within(pending, 10_000, 'the pending next()'), { done: true, value: undefined });
  assert.deepEqual(await blocks.next(), { done: true, value: undefined });
});
