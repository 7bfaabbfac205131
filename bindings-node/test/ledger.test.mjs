// network.ledger() against the real network: chain info, a submitted transaction found by its
// id with its validation code, its block by number, hash and transaction id, what a ledger
// does not have (null), the channels of a peer, and the errors of bad arguments, unknown
// channels and closed clients.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { connect, FabweaveError, Ledger, ProfileError, ProtocolError } from 'fabweave';
import { CHANNEL, USER, down, profileOf, unique, up } from './network.mjs';

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

/** Submits kv_or put(key, value) and waits until every peer committed it. */
function put(key, value) {
  return client
    .network(CHANNEL)
    .contract('kv_or')
    .submit('put', { args: [key, value], commitStrategy: 'NETWORK_SCOPE_ALLFORTX' });
}

/** The name of an Org1 peer in the profiles (host:port) and its address. */
function org1Peer() {
  const peer = manifest.peers.find((p) => p.org === 'org1');
  return { name: `${peer.tlsHost}:${peer.address.split(':').pop()}`, address: peer.address };
}

test('the chain grows and a submitted transaction is found decoded, with its validation code', async () => {
  const ledger = client.network(CHANNEL).ledger();
  assert.ok(ledger instanceof Ledger);
  assert.equal(ledger.channel, CHANNEL);
  const before = await ledger.chainInfo();
  assert.equal(typeof before.height, 'number');
  assert.ok(Buffer.isBuffer(before.currentBlockHash));
  assert.equal(before.currentBlockHash.length, 32);
  assert.equal(before.bootstrappedFromSnapshotAt, null);

  const key = unique('node-ledger-key');
  const value = unique('node-ledger-value');
  const done = await put(key, value);
  const after = await ledger.chainInfo();
  assert.ok(after.height > before.height, `height ${before.height} -> ${after.height}`);
  assert.ok(after.height > done.blockNumber);

  const tx = await ledger.transaction(done.txId);
  assert.equal(tx.txId, done.txId);
  assert.equal(tx.validationCode, 0);
  assert.equal(tx.validationCodeName, 'VALID');
  assert.equal(tx.headerType, 'ENDORSER_TRANSACTION');
  assert.equal(tx.channel, CHANNEL);
  assert.equal(tx.creator.mspId, manifest.orgs.org1.mspId);
  assert.match(tx.creator.subject, /CN=User1@org1\.example\.com/);
  const [action] = tx.actions;
  assert.equal(action.chaincode, 'kv_or');
  assert.deepEqual(action.function, { encoding: 'utf8', value: 'put' });
  assert.deepEqual(action.args.map((a) => a.value), [key, value]);
  const rwset = action.rwsets.find((s) => s.namespace === 'kv_or');
  const write = rwset.writes.find((w) => w.key === key);
  assert.deepEqual(write, { key, isDelete: false, value: { encoding: 'utf8', value } });
  // Endorsed by the peers the submit reported.
  assert.deepEqual(
    action.endorsers.map((e) => e.mspId).sort(),
    done.endorsers.map((e) => e.mspId).sort(),
  );
});

test('blocks by number, hash and transaction id', async () => {
  const ledger = client.network(CHANNEL).ledger({ timeout: 20 });
  const genesis = await ledger.blockByNumber(0);
  assert.equal(genesis.number, 0);
  assert.equal(genesis.transactions.length, 1);
  const [configTx] = genesis.transactions;
  assert.equal(configTx.headerType, 'CONFIG');
  assert.ok(configTx.config.applicationOrgs.length >= 2, "the channel's organizations");

  const done = await put(unique('node-block'), 'v');
  const block = await ledger.blockByTxId(done.txId);
  assert.equal(typeof block.number, 'number', 'block numbers are numbers, as in submit results');
  assert.equal(block.number, done.blockNumber);
  const inBlock = block.transactions.find((t) => t.txId === done.txId);
  assert.ok(inBlock, 'the transaction is in its block');
  assert.equal(inBlock.validationCodeName, 'VALID');
  assert.deepEqual(await ledger.blockByNumber(done.blockNumber), block);
  assert.deepEqual(await ledger.blockByNumber(BigInt(done.blockNumber)), block);

  // By hash: hex (a decoded block's) or bytes (chain info's).
  assert.match(block.hash, /^[0-9a-f]{64}$/);
  assert.equal((await ledger.blockByHash(block.hash)).number, done.blockNumber);
  const info = await ledger.chainInfo();
  const latest = await ledger.blockByHash(info.currentBlockHash);
  assert.equal(latest.number, info.height - 1);
  assert.equal(latest.hash, info.currentBlockHash.toString('hex'));
  assert.equal(latest.previousHash, info.previousBlockHash.toString('hex'));
  // The chain links: each block names the one before.
  const previous = await ledger.blockByNumber(latest.number - 1);
  assert.equal(latest.previousHash, previous.hash);
});

test('what the ledger does not have is null', async () => {
  const ledger = client.network(CHANNEL).ledger();
  const missing = '0'.repeat(64);
  assert.equal(await ledger.transaction(missing), null);
  assert.equal(await ledger.blockByTxId(missing), null);
  assert.equal(await ledger.blockByNumber(1e12), null);
  assert.equal(await ledger.blockByHash(Buffer.alloc(32)), null);
});

test('the channels of a peer, by name or address', async () => {
  const ledger = client.network(CHANNEL).ledger();
  const peer = org1Peer();
  assert.ok((await ledger.channels(peer.name)).includes(CHANNEL));
  assert.ok((await ledger.channels(peer.address)).includes(CHANNEL), 'by address too');
  await assert.rejects(ledger.channels('peer9.nowhere.example.com'), ProfileError);
});

test('an unknown channel, bad arguments and a closed client are typed errors', async () => {
  await assert.rejects(client.network(unique('nochannel')).ledger().chainInfo(), (e) => {
    assert.ok(e instanceof ProtocolError, `${e.name}: ${e.message}`);
    assert.match(e.message, /not found/);
    return true;
  });

  const own = await connect({ profile: profileOf(manifest, 'org1'), user: USER });
  const ledger = own.network(CHANNEL).ledger();
  const typeError = (code) => (e) => e instanceof TypeError && e.code === code;
  await assert.rejects(ledger.blockByHash(12), typeError('ERR_INVALID_ARG_TYPE'));
  await assert.rejects(ledger.blockByHash('xyz'), typeError('ERR_INVALID_ARG_VALUE'));
  await assert.rejects(ledger.blockByNumber(-1), typeError('ERR_INVALID_ARG_VALUE'));
  await assert.rejects(ledger.blockByNumber(1.5), typeError('ERR_INVALID_ARG_VALUE'));
  await assert.rejects(ledger.blockByNumber('1'), typeError('ERR_INVALID_ARG_TYPE'));
  await assert.rejects(ledger.transaction(42), typeError('ERR_INVALID_ARG_TYPE'));
  assert.throws(() => own.network(CHANNEL).ledger({ peer: 'x' }), typeError('ERR_INVALID_ARG_VALUE'));
  assert.throws(() => new Ledger({}), TypeError);

  await own.close();
  await assert.rejects(ledger.chainInfo(), (e) => e instanceof FabweaveError && e.code === 'FABWEAVE_CLOSED');
  assert.throws(() => own.network(CHANNEL), (e) => e.code === 'FABWEAVE_CLOSED');
});
