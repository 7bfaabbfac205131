// submit and evaluate against the real network, the errors of failed calls, closing, and the
// package loaded both ways (ESM import, CommonJS require).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

import { connect, EndorseError, FabweaveError, TimeoutError } from 'fabweave';
import { CHANNEL, USER, down, profileOf, unique, up } from './network.mjs';

let manifest;

before(() => {
  manifest = up();
});

after(() => {
  down();
});

for (const mode of ['auto', 'client']) {
  test(`submit on Org1, evaluate on Org2 (mode ${mode})`, async () => {
    const org1 = await connect({ profile: profileOf(manifest, 'org1'), user: USER, mode });
    const org2 = await connect({ profile: profileOf(manifest, 'org2'), user: USER, mode });
    try {
      const key = unique(`node-${mode}`);
      const done = await org1
        .network(CHANNEL)
        .contract('kv_or')
        .submit('put', { args: [key, 'blue'], commitStrategy: 'NETWORK_SCOPE_ALLFORTX' });
      assert.match(done.txId, /^[0-9a-f]{64}$/);
      assert.ok(done.blockNumber > 0);
      assert.equal(done.confirmed, true);
      assert.ok(Buffer.isBuffer(done.payload));
      assert.ok(Array.isArray(done.events));
      assert.equal(done.attempts.length, 1);
      assert.deepEqual(done.attempts[0], {
        txId: done.txId,
        blockNumber: done.blockNumber,
        error: null,
      });
      assert.ok(done.endorsers.length >= 1);
      for (const e of done.endorsers) assert.match(e.mspId, /^Org\dMSP$/);
      if (mode === 'client') assert.equal(done.via, 'client');
      assert.equal(org1.lastVia, done.via);

      // NETWORK_SCOPE_ALLFORTX: every peer committed it, so Org2's peer has it now.
      const got = await org2.network(CHANNEL).contract('kv_or').evaluate('get', { args: [key] });
      assert.ok(Buffer.isBuffer(got));
      assert.equal(got.toString(), 'blue');
    } finally {
      await org1.close();
      await org2.close();
    }
  });
}

test('a chaincode error is an EndorseError with the transaction id and one detail per peer', async () => {
  const client = await connect({ profile: profileOf(manifest, 'org1'), user: USER });
  try {
    const contract = client.network(CHANNEL).contract('kv_or');
    const err = await contract.submit('fail', { args: ['no way'], retry: false }).then(
      () => assert.fail('submit of fail succeeded'),
      (e) => e,
    );
    assert.ok(err instanceof EndorseError, `${err?.name}: ${err?.message}`);
    assert.ok(err instanceof FabweaveError);
    assert.ok(err instanceof Error);
    assert.equal(err.name, 'EndorseError');
    assert.equal(err.code, 'FABWEAVE_ENDORSE');
    assert.equal(err.kind, 'endorse');
    assert.equal(err.retryable, false);
    assert.match(err.transactionId, /^[0-9a-f]{64}$/);
    assert.match(err.message, /no way/);
    assert.ok(err.details.length >= 1);
    for (const d of err.details) {
      assert.equal(typeof d.peer, 'string');
      assert.equal(typeof d.address, 'string');
      assert.equal(typeof d.mspId, 'string');
      assert.equal(typeof d.status, 'number');
      assert.equal(typeof d.message, 'string');
    }
    assert.ok(err.details.some((d) => d.status === 500 && /no way/.test(d.message)));

    // evaluate fails the same way.
    const ev = await contract.evaluate('fail', { args: ['nor this'] }).then(
      () => assert.fail('evaluate of fail succeeded'),
      (e) => e,
    );
    assert.ok(ev instanceof EndorseError);
    assert.match(ev.message, /nor this/);
  } finally {
    await client.close();
  }
});

test('args: strings, Buffers and Uint8Arrays are bytes; other types are TypeErrors', async () => {
  const client = await connect({ profile: profileOf(manifest, 'org1'), user: USER });
  try {
    const contract = client.network(CHANNEL).contract('kv_or');
    const key = unique('node-bytes');
    const value = new Uint8Array([0x00, 0xff, 0x10, 0x80]);
    await contract.submit('put', { args: [Buffer.from(key), value] });
    const got = await contract.evaluate('get', { args: [new TextEncoder().encode(key)] });
    assert.deepEqual(new Uint8Array(got), value);
    const again = await contract.evaluate('get', { args: [key] });
    assert.deepEqual(new Uint8Array(again), value);

    for (const bad of [[key, 3], [key, null], [key, { a: 1 }], 'not-an-array']) {
      await assert.rejects(contract.evaluate('get', { args: bad }), (e) => {
        assert.ok(e instanceof TypeError, `${e.name}: ${e.message}`);
        assert.equal(e.code, 'ERR_INVALID_ARG_TYPE');
        return true;
      });
    }
    await assert.rejects(contract.submit('put', { args: [key, 1n] }), TypeError);
    await assert.rejects(contract.evaluate('get', { arg: [key] }), (e) => {
      assert.ok(e instanceof TypeError);
      assert.match(e.message, /unknown evaluate option 'arg'/);
      return true;
    });
    await assert.rejects(contract.submit('put', { args: [key, 'v'], commitStrategy: 'SOMETIMES' }), (e) => {
      assert.ok(e instanceof TypeError);
      assert.equal(e.code, 'ERR_INVALID_ARG_VALUE');
      assert.match(e.message, /commitStrategy/);
      return true;
    });
  } finally {
    await client.close();
  }
});

test('a stage out of time is a TimeoutError with its stage', async () => {
  const client = await connect({ profile: profileOf(manifest, 'org1'), user: USER, mode: 'client' });
  try {
    const contract = client.network(CHANNEL).contract('kv_or');
    await assert.rejects(contract.evaluate('get', { args: ['k'], timeout: 0.000001 }), (e) => {
      assert.ok(e instanceof TimeoutError, `${e.name}: ${e.message}`);
      assert.equal(e.code, 'FABWEAVE_TIMEOUT');
      assert.equal(e.kind, 'timeout');
      assert.equal(e.stage, 'evaluate');
      assert.equal(typeof e.after, 'number');
      return true;
    });
  } finally {
    await client.close();
  }
});

test('after close(), calls fail with FABWEAVE_CLOSED', async () => {
  const client = await connect({ profile: profileOf(manifest, 'org1'), user: USER });
  const contract = client.network(CHANNEL).contract('kv_or');
  assert.equal(client.closed, false);
  assert.equal(client.mspId, 'Org1MSP');
  await client.close();
  assert.equal(client.closed, true);
  const closed = (e) => {
    assert.ok(e instanceof FabweaveError, `${e.name}: ${e.message}`);
    assert.equal(e.code, 'FABWEAVE_CLOSED');
    assert.match(e.message, /closed/);
    return true;
  };
  await assert.rejects(contract.evaluate('get', { args: ['k'] }), closed);
  await assert.rejects(contract.submit('put', { args: ['k', 'v'] }), closed);
  assert.throws(() => client.network(CHANNEL), closed);
  await client.close(); // twice is harmless
});

test('Symbol.asyncDispose closes the client', async () => {
  const client = await connect({ profile: profileOf(manifest, 'org1'), user: USER });
  await client[Symbol.asyncDispose ?? Symbol.for('nodejs.asyncDispose')]();
  assert.equal(client.closed, true);
});

// A CommonJS program and an ES module, each in a process of its own, using the package by name.
for (const [kind, code] of [
  [
    'CommonJS require',
    `const { connect } = require('fabweave');
     (async () => {
       const c = await connect({ profile: process.env.PROFILE, user: 'User1' });
       const p = await c.network('mychannel').contract('kv_or').evaluate('get', { args: [process.env.KEY] });
       console.log('value=' + p.toString());
       await c.close();
     })().catch((e) => { console.error(e); process.exit(1); });`,
  ],
  [
    'ESM import',
    `import { connect } from 'fabweave';
     const c = await connect({ profile: process.env.PROFILE, user: 'User1' });
     const p = await c.network('mychannel').contract('kv_or').evaluate('get', { args: [process.env.KEY] });
     console.log('value=' + p.toString());
     await c.close();`,
  ],
]) {
  test(`the package works from ${kind}`, async () => {
    const key = unique('node-load');
    const client = await connect({ profile: profileOf(manifest, 'org1'), user: USER });
    try {
      await client.network(CHANNEL).contract('kv_or').submit('put', { args: [key, kind] });
    } finally {
      await client.close();
    }
    const args = kind.startsWith('ESM') ? ['--input-type=module', '-e', code] : ['-e', code];
    // From the package's folder, where 'fabweave' resolves to the package itself.
    const r = spawnSync(process.execPath, args, {
      cwd: createRequire(import.meta.url).resolve('fabweave').replace(/index\.js$/, ''),
      env: { ...process.env, PROFILE: profileOf(manifest, 'org1'), KEY: key },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), `value=${kind}`);
  });
}
