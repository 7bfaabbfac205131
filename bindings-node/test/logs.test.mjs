// sdk-core's log records handed to a JavaScript handler (setLogHandler) and FABWEAVE_LOG's
// lines on standard error, against the real network.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { connect, setLogHandler } from 'fabweave';
import { CHANNEL, USER, down, profileOf, unique, up } from './network.mjs';

let manifest;

before(() => {
  manifest = up();
});

after(() => {
  setLogHandler(null);
  down();
});

afterEach(() => {
  setLogHandler(null);
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Connects a new client (it dials its peers, which sdk-core logs) and submits one put. */
async function submitOnce() {
  const client = await connect({ profile: profileOf(manifest, 'org1'), user: USER });
  try {
    return await client.network(CHANNEL).contract('kv_or').submit('put', { args: [unique('node-log'), 'v'] });
  } finally {
    await client.close();
  }
}

/** Waits until `records` has one `pred` accepts (records arrive shortly after the events). */
async function waitFor(records, pred, ms = 5000) {
  const end = Date.now() + ms;
  for (;;) {
    const found = records.find(pred);
    if (found || Date.now() > end) return found;
    await sleep(20);
  }
}

test("a handler at 'debug' gets sdk-core's records of a submit, with its transaction id", async () => {
  const records = [];
  setLogHandler((r) => records.push(r), { level: 'debug' });
  const done = await submitOnce();
  const committed = await waitFor(records, (r) => r.fields.tx_id === done.txId);
  assert.ok(committed, JSON.stringify(records.map((r) => [r.target, r.message, r.fields])));
  assert.equal(committed.level, 'debug');
  assert.equal(committed.target, 'fabweave.flow.calls');
  assert.equal(committed.message, 'committed');
  assert.equal(committed.fields.block, done.blockNumber);
  assert.equal(committed.fields.attempts, 1);
  // The submit's span fields come along.
  assert.equal(committed.fields.channel, CHANNEL);
  assert.equal(committed.fields.chaincode, 'kv_or');
  assert.equal(committed.fields.function, 'put');
  assert.ok(committed.time instanceof Date);
  assert.ok(Math.abs(committed.time.getTime() - Date.now()) < 60_000);
  // Every record is sdk-core's (no h2/tonic/rustls), dotted, with a known level.
  for (const r of records) {
    assert.match(r.target, /^fabweave(\.\w+)*$/);
    assert.ok(['error', 'warn', 'info', 'debug', 'trace'].includes(r.level), r.level);
    assert.equal(typeof r.message, 'string');
  }
  // The new client dialed its peers: the transport says so at debug, with the address.
  const connected = records.find((r) => r.target === 'fabweave.transport' && r.message === 'connected');
  assert.ok(connected, JSON.stringify(records.map((r) => [r.target, r.message])));
  assert.match(connected.fields.address, /^127\.0\.0\.1:\d+$/);
});

test("a handler at 'error' gets no debug or info record of the same submit", async () => {
  const records = [];
  setLogHandler((r) => records.push(r), { level: 'error' });
  const done = await submitOnce();
  await sleep(300);
  assert.ok(done.blockNumber > 0);
  assert.deepEqual(
    records.filter((r) => r.level !== 'error'),
    [],
  );
  // At 'debug' again, the same submit logs: the level is what filtered.
  setLogHandler((r) => records.push(r), { level: 'debug' });
  const again = await submitOnce();
  assert.ok(await waitFor(records, (r) => r.fields.tx_id === again.txId));
});

test('setLogHandler(null) stops the records', async () => {
  const records = [];
  setLogHandler((r) => records.push(r), { level: 'trace' });
  const first = await submitOnce();
  assert.ok(await waitFor(records, (r) => r.fields.tx_id === first.txId));
  setLogHandler(null);
  const seen = records.length;
  const second = await submitOnce();
  await sleep(300);
  assert.ok(second.blockNumber > 0);
  assert.equal(records.length, seen, JSON.stringify(records.slice(seen).map((r) => [r.target, r.message])));
});

test('a handler that throws does not break the submit, and is reported once', async () => {
  let calls = 0;
  const warnings = [];
  const onWarning = (w) => warnings.push(w);
  process.on('warning', onWarning);
  try {
    setLogHandler(
      () => {
        calls += 1;
        throw new Error('handler broke');
      },
      { level: 'debug' },
    );
    const done = await submitOnce();
    assert.ok(done.blockNumber > 0);
    const end = Date.now() + 5000;
    while ((calls < 2 || warnings.length === 0) && Date.now() < end) await sleep(20);
    assert.ok(calls >= 2, `the handler was called ${calls} times`);
    const ours = warnings.filter((w) => /fabweave log handler threw \(handler broke\)/.test(w.message));
    assert.equal(ours.length, 1, warnings.map((w) => w.message).join('\n'));
    // The client still works afterwards.
    const again = await submitOnce();
    assert.ok(again.blockNumber > 0);
  } finally {
    process.off('warning', onWarning);
  }
});

test('FABWEAVE_LOG=debug prints lines on stderr and the process exits by itself', async () => {
  const script = `
    const { connect } = require('fabweave');
    (async () => {
      const client = await connect({ profile: ${JSON.stringify(profileOf(manifest, 'org1'))}, user: ${JSON.stringify(USER)} });
      const done = await client.network(${JSON.stringify(CHANNEL)}).contract('kv_or').submit('put', { args: [${JSON.stringify(unique('node-log-env'))}, 'v'] });
      console.log(done.txId);
      await new Promise((r) => setTimeout(r, 200));
      // Once the client is closed, nothing but FABWEAVE_LOG's handler could keep the process
      // alive: it must not.
      await client.close();
    })().catch((e) => { console.error(e); process.exit(3); });
  `;
  const child = spawn(process.execPath, ['-e', script], {
    // From the package's folder, where 'fabweave' resolves to the package itself.
    cwd: join(dirname(fileURLToPath(import.meta.url)), '..'),
    env: { ...process.env, FABWEAVE_LOG: 'debug' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the child did not exit by itself; stderr:\n${stderr}`));
    }, 60_000);
    child.on('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  assert.equal(code, 0, stderr);
  const txId = stdout.trim();
  assert.match(txId, /^[0-9a-f]{64}$/);
  const lines = stderr.split('\n').filter((l) => l !== '');
  const committed = lines.find((l) => l.includes(`tx_id=${txId}`));
  assert.ok(committed, stderr);
  assert.match(committed, /^\d{4}-\d\d-\d\dT[\d:.]+Z DEBUG fabweave\.flow\.calls: committed /);
  assert.ok(lines.some((l) => / DEBUG fabweave\.transport: connected address=127\.0\.0\.1:\d+$/.test(l)), stderr);
});
