// The step-by-step submit (Contract.newProposal), signed outside fabweave with node:crypto
// (ECDSA P-256 over the bytes, DER) using the users' key files from the network's MSP folders,
// against the real network.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, sign as cryptoSign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';

import {
  connect,
  CryptoError,
  EndorseError,
  FabweaveError,
  Proposal,
  Submitted,
  Transaction,
} from 'fabweave';
import { CHANNEL, USER, down, profileOf, unique, up } from './network.mjs';

// The order of P-256's group: Fabric accepts only signatures with s <= N / 2.
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

let manifest;

before(() => {
  manifest = up();
});

after(() => {
  down();
});

/** Signs as an external signer would: ECDSA P-256 over SHA-256 of the bytes, DER. */
function signerOf(org) {
  const key = createPrivateKey(readFileSync(manifest.orgs[org].user1.key));
  return (bytes) => cryptoSign('sha256', bytes, key);
}

function derInteger(n) {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  if (bytes[0] & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
}

/** A valid signature of `bytes` whose S is high (n - s of a low one), DER. */
function highSignature(org, bytes) {
  const key = createPrivateKey(readFileSync(manifest.orgs[org].user1.key));
  const raw = cryptoSign('sha256', bytes, { key, dsaEncoding: 'ieee-p1363' });
  const r = BigInt(`0x${raw.subarray(0, 32).toString('hex')}`);
  let s = BigInt(`0x${raw.subarray(32).toString('hex')}`);
  if (s <= P256_N / 2n) s = P256_N - s;
  const body = Buffer.concat([derInteger(r), derInteger(s)]);
  const der = Buffer.concat([Buffer.from([0x30, body.length]), body]);
  // Valid ECDSA as node:crypto sees it, high S and all.
  assert.ok(verify('sha256', bytes, createPublicKey(key), der));
  return der;
}

async function org1(mode = 'auto') {
  return connect({ profile: profileOf(manifest, 'org1'), user: USER, mode });
}

const absent = (e) => e instanceof EndorseError && /not found/.test(e.message);

for (const mode of ['auto', 'client']) {
  test(`submit step by step, then read back (mode ${mode})`, async () => {
    const sign = signerOf('org1');
    const client = await org1(mode);
    try {
      const contract = client.network(CHANNEL).contract('kv_or');
      const key = unique('node-steps');
      const value = unique('v');

      const proposal = contract.newProposal('put', { args: [key, value] });
      assert.ok(proposal instanceof Proposal);
      assert.match(proposal.txId, /^[0-9a-f]{64}$/);
      assert.ok(Buffer.isBuffer(proposal.bytes) && proposal.bytes.length > 0);
      assert.equal(proposal.used, false);

      const tx = await proposal.endorse(sign(proposal.bytes));
      assert.ok(tx instanceof Transaction);
      assert.equal(proposal.used, true);
      assert.equal(tx.txId, proposal.txId);
      assert.equal(tx.result.toString(), value, 'put answers with the value');
      assert.equal(tx.via, mode === 'auto' ? 'gateway' : 'client');
      assert.ok(tx.bytes.length > 0 && !tx.bytes.equals(proposal.bytes));

      const submitted = await tx.submit(sign(tx.bytes));
      assert.ok(submitted instanceof Submitted);
      assert.equal(submitted.txId, tx.txId);
      assert.equal(submitted.result.toString(), value);
      assert.equal(submitted.via, tx.via);
      assert.ok(submitted.endorsers.length >= 1);
      for (const e of submitted.endorsers) assert.ok(['Org1MSP', 'Org2MSP'].includes(e.mspId), e.mspId);

      // The same shape as Contract.submit's result.
      const done = await submitted.status();
      const plain = await contract.submit('put', { args: [unique('node-steps-shape'), 'x'] });
      assert.deepEqual(Object.keys(done).sort(), Object.keys(plain).sort());
      assert.equal(done.txId, proposal.txId);
      assert.ok(done.blockNumber > 0);
      assert.equal(done.confirmed, true);
      assert.equal(done.payload.toString(), value);
      assert.equal(done.via, tx.via);
      // No retries in the step-by-step form (a signed transaction is not sent again), so
      // sdk-core lists no attempts.
      assert.deepEqual(done.attempts, []);
      // Waited for by the default strategy (every peer of Org1): Org1's peers have it.
      assert.equal((await contract.evaluate('get', { args: [key] })).toString(), value);
    } finally {
      await client.close();
    }
  });

  test(`a signed proposal evaluates (mode ${mode})`, async () => {
    const sign = signerOf('org1');
    const client = await org1(mode);
    try {
      const contract = client.network(CHANNEL).contract('kv_or');
      const key = unique('node-steps-eval');
      await contract.submit('put', { args: [key, 'seen'] });
      const proposal = contract.newProposal('get', { args: [key] });
      const got = await proposal.evaluate(sign(proposal.bytes));
      assert.ok(Buffer.isBuffer(got));
      assert.equal(got.toString(), 'seen');
    } finally {
      await client.close();
    }
  });

  test(`a proposal or transaction signed with another key is a CryptoError before sending (mode ${mode})`, async () => {
    const [sign, other] = [signerOf('org1'), signerOf('org2')];
    const client = await org1(mode);
    try {
      const contract = client.network(CHANNEL).contract('kv_or');
      const key = unique('node-steps-forged');
      const proposal = contract.newProposal('put', { args: [key, 'x'] });
      await assert.rejects(proposal.endorse(other(proposal.bytes)), (e) => {
        assert.ok(e instanceof CryptoError, `${e.name}: ${e.message}`);
        assert.equal(e.code, 'FABWEAVE_CRYPTO');
        assert.match(e.message, /does not verify with the certificate/);
        return true;
      });

      const key2 = unique('node-steps-forged-tx');
      const second = contract.newProposal('put', { args: [key2, 'x'] });
      const tx = await second.endorse(sign(second.bytes));
      await assert.rejects(tx.submit(other(tx.bytes)), (e) => e instanceof CryptoError && /does not verify/.test(e.message));
      // Nothing was written.
      await assert.rejects(contract.evaluate('get', { args: [key] }), absent);
      await assert.rejects(contract.evaluate('get', { args: [key2] }), absent);
    } finally {
      await client.close();
    }
  });
}

test('a signature over other bytes is refused', async () => {
  const sign = signerOf('org1');
  const client = await org1();
  try {
    const contract = client.network(CHANNEL).contract('kv_or');
    const key = unique('node-steps-other-bytes');
    const proposal = contract.newProposal('put', { args: [key, 'x'] });
    const tx = await proposal.endorse(sign(proposal.bytes));
    // The proposal's bytes signed again, given for the transaction's.
    await assert.rejects(tx.submit(sign(proposal.bytes)), CryptoError);
    await assert.rejects(contract.evaluate('get', { args: [key] }), absent);
  } finally {
    await client.close();
  }
});

test('a high-S signature is lowered and the transaction commits', async () => {
  const client = await org1();
  try {
    const contract = client.network(CHANNEL).contract('kv_or');
    const key = unique('node-steps-high-s');
    const proposal = contract.newProposal('put', { args: [key, 'x'] });
    const tx = await proposal.endorse(highSignature('org1', proposal.bytes));
    const done = await (await tx.submit(highSignature('org1', tx.bytes))).status();
    assert.ok(done.blockNumber > 0);
    assert.equal((await contract.evaluate('get', { args: [key] })).toString(), 'x');
  } finally {
    await client.close();
  }
});

test('each step runs once, failed or not', async () => {
  const [sign, other] = [signerOf('org1'), signerOf('org2')];
  const client = await org1();
  try {
    const contract = client.network(CHANNEL).contract('kv_or');
    const used = (what) => (e) => {
      assert.equal(e.constructor, FabweaveError, `${e.name}: ${e.message}`);
      assert.match(e.message, new RegExp(`${what} was already used`));
      return true;
    };

    const proposal = contract.newProposal('put', { args: [unique('node-steps-once'), '1'] });
    const signature = sign(proposal.bytes);
    const tx = await proposal.endorse(signature);
    await assert.rejects(proposal.endorse(signature), used('Proposal'));
    await assert.rejects(proposal.evaluate(signature), used('Proposal'));

    const txSignature = sign(tx.bytes);
    const submitted = await tx.submit(txSignature);
    await assert.rejects(tx.submit(txSignature), used('Transaction'));

    const done = await submitted.status();
    assert.ok(done.blockNumber > 0);
    await assert.rejects(submitted.status(), used('Submitted'));
    // The values stay readable after use.
    assert.equal(submitted.txId, done.txId);
    assert.equal(proposal.txId, done.txId);
    assert.match(inspect(proposal), /used/);

    // A step that failed is used up too: a proposal is signed for one try.
    const failed = contract.newProposal('put', { args: [unique('node-steps-once'), '1'] });
    await assert.rejects(failed.endorse(other(failed.bytes)), CryptoError);
    await assert.rejects(failed.endorse(sign(failed.bytes)), used('Proposal'));
  } finally {
    await client.close();
  }
});

test('bad arguments are TypeErrors and leave the step unused', async () => {
  const sign = signerOf('org1');
  const client = await org1();
  try {
    const contract = client.network(CHANNEL).contract('kv_or');
    const key = unique('node-steps-args');
    const proposal = contract.newProposal('put', { args: [key, 'v'] });
    const signature = sign(proposal.bytes);
    await assert.rejects(proposal.endorse(signature.toString('hex')), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    await assert.rejects(proposal.endorse(), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    assert.equal(proposal.used, false);
    // A Uint8Array that is not a Buffer works as well.
    const tx = await proposal.endorse(new Uint8Array(signature));
    const done = await (await tx.submit(new Uint8Array(sign(tx.bytes)))).status();
    assert.ok(done.blockNumber > 0);
    assert.equal((await contract.evaluate('get', { args: [key] })).toString(), 'v');

    assert.throws(() => contract.newProposal('put', { retry: false }), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => contract.newProposal('put', { args: 'k' }), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => contract.newProposal('put', { commitStrategy: 'SOMETIMES' }), {
      name: 'TypeError',
      code: 'ERR_INVALID_ARG_VALUE',
    });
    assert.throws(() => contract.newProposal(''), TypeError);
    assert.throws(() => new Proposal({}), TypeError);
  } finally {
    await client.close();
  }
});

test('steps after close fail with FABWEAVE_CLOSED', async () => {
  const sign = signerOf('org1');
  const client = await org1();
  const contract = client.network(CHANNEL).contract('kv_or');
  const proposal = contract.newProposal('get', { args: ['k'] });
  await client.close();
  await assert.rejects(proposal.endorse(sign(proposal.bytes)), (e) => {
    assert.ok(e instanceof FabweaveError);
    assert.equal(e.code, 'FABWEAVE_CLOSED');
    return true;
  });
  assert.throws(() => contract.newProposal('get'), (e) => e.code === 'FABWEAVE_CLOSED');
});
