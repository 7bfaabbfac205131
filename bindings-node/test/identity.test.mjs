// Identities (key files, MSP folders, PEM text, JavaScript signers made with node:crypto) and
// wallets, used against the real network.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, sign as cryptoSign } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';

import {
  connect,
  CryptoError,
  FileWallet,
  Identity,
  IdentityError,
  InMemoryWallet,
  Wallet,
} from 'fabweave';
import { CHANNEL, USER, down, profileOf, unique, up } from './network.mjs';

let manifest;
let tmp;

before(() => {
  manifest = up();
  tmp = mkdtempSync(join(tmpdir(), 'fabweave-node-ident-'));
});

after(() => {
  rmSync(tmp, { recursive: true, force: true });
  down();
});

/** Org1's User1 as the network's MSP folder has it. */
function user1(org = 'org1') {
  return manifest.orgs[org].user1;
}

function fromFiles(org = 'org1') {
  return Identity.fromFiles(manifest.orgs[org].mspId, user1(org).cert, user1(org).key);
}

/** A signer as an HSM or KMS client would be, over User1's key file, counting its calls. */
function countingSigner(keyFile = user1().key) {
  const key = createPrivateKey(readFileSync(keyFile));
  const signer = async (message) => {
    assert.ok(Buffer.isBuffer(message) && message.length > 0);
    signer.calls += 1;
    // node:crypto hashes with SHA-256 and gives DER; the S may be high (fabweave lowers it).
    return cryptoSign('sha256', message, key);
  };
  signer.calls = 0;
  return signer;
}

/** Submits a put and reads it back as `identity`. */
async function roundTrip(identity, mode = 'auto') {
  const client = await connect({ profile: profileOf(manifest, 'org1'), identity, mode });
  try {
    assert.equal(client.mspId, 'Org1MSP');
    const contract = client.network(CHANNEL).contract('kv_or');
    const key = unique('node-ident');
    const done = await contract.submit('put', { args: [key, 'blue'] });
    assert.match(done.txId, /^[0-9a-f]{64}$/);
    assert.ok(done.blockNumber > 0);
    assert.equal((await contract.evaluate('get', { args: [key] })).toString(), 'blue');
  } finally {
    await client.close();
  }
}

test('an identity from files: properties and sign', async () => {
  const identity = await fromFiles();
  assert.ok(identity instanceof Identity);
  assert.equal(identity.mspId, 'Org1MSP');
  assert.equal(identity.commonName, 'User1@org1.example.com');
  assert.match(identity.subject, /CN=User1@org1\.example\.com/);
  assert.ok(identity.issuer && identity.issuer !== identity.subject);
  assert.equal(identity.certificate, readFileSync(user1().cert, 'utf8'));
  const now = Date.now();
  assert.ok(identity.notBefore instanceof Date && identity.notAfter instanceof Date);
  assert.ok(identity.notBefore.getTime() < now && now < identity.notAfter.getTime());

  const signature = await identity.sign('proposal bytes');
  assert.ok(Buffer.isBuffer(signature));
  // A DER SEQUENCE that node:crypto verifies with the certificate's key.
  assert.equal(signature[0], 0x30);
  const { createPublicKey, verify } = await import('node:crypto');
  assert.ok(verify('sha256', Buffer.from('proposal bytes'), createPublicKey(identity.certificate), signature));
});

for (const mode of ['auto', 'client']) {
  test(`connect with Identity.fromMspDir, submit and evaluate (mode ${mode})`, async () => {
    const identity = await Identity.fromMspDir('Org1MSP', user1().msp);
    await roundTrip(identity, mode);
  });

  test(`connect with a node:crypto signer, submit and evaluate (mode ${mode})`, async () => {
    const signer = countingSigner();
    const identity = Identity.fromSigner('Org1MSP', readFileSync(user1().cert), signer);
    await roundTrip(identity, mode);
    // At least the proposal and the transaction went through it.
    assert.ok(signer.calls >= 2, `signer called ${signer.calls} times`);
  });
}

test('connect with Identity.fromFiles and with Identity.fromPem', async () => {
  await roundTrip(await fromFiles());
  await roundTrip(Identity.fromPem('Org1MSP', readFileSync(user1().cert, 'utf8'), readFileSync(user1().key)));
});

test('concurrent submits with a slow asynchronous signer all commit', async () => {
  const key = createPrivateKey(readFileSync(user1().key));
  let inFlight = 0;
  let most = 0;
  const signer = async (message) => {
    inFlight += 1;
    most = Math.max(most, inFlight);
    // An HSM round trip: the signature comes back later, from the event loop.
    await new Promise((resolve) => setTimeout(resolve, 20));
    inFlight -= 1;
    return cryptoSign('sha256', message, key);
  };
  const identity = Identity.fromSigner('Org1MSP', readFileSync(user1().cert), signer);
  const client = await connect({ profile: profileOf(manifest, 'org1'), identity });
  try {
    const contract = client.network(CHANNEL).contract('kv_or');
    const keys = Array.from({ length: 16 }, (_, i) => unique(`node-ident-conc-${i}`));
    const done = await Promise.all(keys.map((k) => contract.submit('put', { args: [k, 'v'] })));
    assert.equal(new Set(done.map((d) => d.txId)).size, keys.length);
    for (const d of done) assert.ok(d.blockNumber > 0);
    // More signatures were waited for at once than the runtime has worker threads.
    assert.ok(most > 2, `at most ${most} signatures in flight`);
  } finally {
    await client.close();
  }
});

test('a synchronous signer works too', async () => {
  const key = createPrivateKey(readFileSync(user1().key));
  const identity = Identity.fromSigner('Org1MSP', readFileSync(user1().cert), (m) => cryptoSign('sha256', m, key));
  await roundTrip(identity);
});

test("a signer's rejection, wrong return value or throw is a CryptoError naming it", async () => {
  const cert = readFileSync(user1().cert);
  const cases = [
    [async () => Promise.reject(new Error('HSM offline')), /HSM offline/],
    [() => { throw new Error('token removed'); }, /token removed/],
    [async () => 'not bytes', /must return a Uint8Array or Buffer/],
    [async () => Buffer.from('garbage'), /signature/i],
  ];
  for (const [signer, pattern] of cases) {
    const identity = Identity.fromSigner('Org1MSP', cert, signer);
    await assert.rejects(identity.sign('x'), (e) => {
      assert.ok(e instanceof CryptoError, `${e.name}: ${e.message}`);
      assert.equal(e.code, 'FABWEAVE_CRYPTO');
      assert.match(e.message, pattern);
      return true;
    });
    // The same during a submit: refused before anything is sent, with no hang.
    const client = await connect({ profile: profileOf(manifest, 'org1'), identity });
    try {
      await assert.rejects(
        client.network(CHANNEL).contract('kv_or').submit('put', { args: [unique('k'), 'v'], retry: false }),
        (e) => e instanceof CryptoError && pattern.test(e.message),
      );
    } finally {
      await client.close();
    }
  }
});

test('a signer that never answers fails with a CryptoError after its timeout', async () => {
  const identity = Identity.fromSigner('Org1MSP', readFileSync(user1().cert), () => new Promise(() => {}), {
    timeout: 0.3,
  });
  const started = Date.now();
  await assert.rejects(identity.sign('x'), (e) => e instanceof CryptoError && /did not answer within 0\.3 s/.test(e.message));
  assert.ok(Date.now() - started < 5000);
});

test('a signer with another key is a CryptoError before anything is sent', async () => {
  const identity = Identity.fromSigner('Org1MSP', readFileSync(user1().cert), countingSigner(user1('org2').key));
  await assert.rejects(identity.sign('x'), (e) => e instanceof CryptoError && /another key/.test(e.message));
  const client = await connect({ profile: profileOf(manifest, 'org1'), identity });
  try {
    await assert.rejects(
      client.network(CHANNEL).contract('kv_or').submit('put', { args: [unique('k'), 'v'], retry: false }),
      (e) => e instanceof CryptoError,
    );
  } finally {
    await client.close();
  }
});

test('fromSigner refuses a non-function and a bad timeout', () => {
  const cert = readFileSync(user1().cert);
  assert.throws(() => Identity.fromSigner('Org1MSP', cert, 'sign'), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => Identity.fromSigner('Org1MSP', cert, () => {}, { timeout: -1 }), {
    name: 'TypeError',
    code: 'ERR_INVALID_ARG_VALUE',
  });
  assert.throws(() => Identity.fromSigner('Org1MSP', cert, () => {}, { wait: 1 }), {
    name: 'TypeError',
    code: 'ERR_INVALID_ARG_VALUE',
  });
});

test('bad inputs are typed errors naming the file', async () => {
  const { cert, key } = user1();
  // A key that does not belong to the certificate: both files named.
  await assert.rejects(Identity.fromFiles('Org1MSP', cert, user1('org2').key), (e) => {
    assert.ok(e instanceof IdentityError, `${e.name}: ${e.message}`);
    assert.equal(e.code, 'FABWEAVE_IDENTITY');
    assert.equal(e.file, user1('org2').key);
    assert.match(e.message, /does not match/);
    assert.ok(e.message.includes(cert), e.message);
    return true;
  });
  // A missing file.
  const missing = join(tmp, 'missing-cert.pem');
  await assert.rejects(Identity.fromFiles('Org1MSP', missing, key), (e) => {
    assert.ok(e instanceof IdentityError);
    assert.equal(e.file, missing);
    assert.ok(e.message.includes(missing));
    return true;
  });
  // A file that is not PEM.
  const bad = join(tmp, 'bad-cert.pem');
  writeFileSync(bad, '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n');
  await assert.rejects(Identity.fromFiles('Org1MSP', bad, key), (e) => {
    assert.ok(e instanceof IdentityError, `${e.name}: ${e.message}`);
    assert.equal(e.file, bad);
    return true;
  });
  // An MSP folder without keystore/.
  await assert.rejects(Identity.fromMspDir('Org1MSP', tmp), (e) => e instanceof IdentityError && e.file !== null);
  // PEM text: bad PEM and a mismatched key.
  assert.throws(() => Identity.fromPem('Org1MSP', 'not pem', readFileSync(key)), IdentityError);
  assert.throws(
    () => Identity.fromPem('Org1MSP', readFileSync(cert), readFileSync(user1('org2').key)),
    (e) => e instanceof IdentityError && /does not match/.test(e.message),
  );
  // Argument types.
  await assert.rejects(Identity.fromFiles('Org1MSP', 42, key), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => Identity.fromPem('', readFileSync(cert), readFileSync(key)), TypeError);
  assert.throws(() => new Identity({}), TypeError);
});

test('connect takes exactly one of user and identity', async () => {
  const profile = profileOf(manifest, 'org1');
  const identity = await fromFiles();
  const typeError = (code) => (e) => {
    assert.ok(e instanceof TypeError, `${e.name}: ${e.message}`);
    assert.equal(e.code, code);
    return true;
  };
  await assert.rejects(connect({ profile, user: USER, identity }), typeError('ERR_INVALID_ARG_VALUE'));
  await assert.rejects(connect({ profile }), typeError('ERR_INVALID_ARG_VALUE'));
  await assert.rejects(connect({ profile, identity: { mspId: 'Org1MSP' } }), typeError('ERR_INVALID_ARG_TYPE'));
});

test('no key material in inspect output or errors', async () => {
  const identity = await fromFiles();
  const keyPem = readFileSync(user1().key, 'utf8');
  const keyBody = keyPem.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
  const shown = inspect(identity, { showHidden: true, depth: 10 });
  assert.match(shown, /Org1MSP/);
  assert.match(shown, /User1@org1\.example\.com/);
  assert.ok(!shown.includes('PRIVATE KEY') && !shown.includes(keyBody.slice(0, 24)), shown);
  assert.deepEqual(Object.keys(identity), []);
  assert.equal(JSON.stringify(identity), '{}');

  const wallet = new FileWallet(join(tmp, 'inspect-wallet'), { passphrase: 'secret passphrase' });
  assert.ok(!inspect(wallet, { showHidden: true }).includes('secret passphrase'));
  // A wrong passphrase: the error names the file, not the passphrase or the key.
  await wallet.put('u', identity);
  const err = await new FileWallet(wallet.path, { passphrase: 'wrong one' }).get('u').then(
    () => assert.fail('the wrong passphrase decrypted the key'),
    (e) => e,
  );
  assert.ok(err instanceof IdentityError, `${err.name}: ${err.message}`);
  assert.equal(err.file, wallet.pathOf('u'));
  const text = `${err.message} ${inspect(err)}`;
  assert.ok(!text.includes('wrong one') && !text.includes(keyBody.slice(0, 24)), text);
});

test('InMemoryWallet: put, get, list, remove, and connect with what it gives', async () => {
  const wallet = new InMemoryWallet();
  assert.ok(wallet instanceof Wallet);
  assert.deepEqual(await wallet.list(), []);
  assert.equal(await wallet.get('user1'), null);
  await wallet.put('user1', await fromFiles());
  await wallet.put('admin', await Identity.fromMspDir('Org1MSP', manifest.orgs.org1.admin.msp));
  assert.deepEqual(await wallet.list(), ['admin', 'user1']);
  const got = await wallet.get('user1');
  assert.ok(got instanceof Identity);
  assert.equal(got.subject, (await fromFiles()).subject);
  await roundTrip(got);
  assert.equal(await wallet.remove('user1'), true);
  assert.equal(await wallet.remove('user1'), false);
  assert.deepEqual(await wallet.list(), ['admin']);
  await assert.rejects(wallet.put('../x', got), IdentityError);
  await assert.rejects(wallet.put('x', {}), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
});

test('identities a wallet cannot hold are refused with the reason', async () => {
  const wallet = new InMemoryWallet();
  const external = Identity.fromSigner('Org1MSP', readFileSync(user1().cert), countingSigner());
  await assert.rejects(wallet.put('ext', external), (e) => e instanceof IdentityError && /external signer/.test(e.message));
  const { createPrivateKey: toKey } = await import('node:crypto');
  const der = toKey(readFileSync(user1().key)).export({ format: 'der', type: 'pkcs8' });
  const fromDer = Identity.fromPem('Org1MSP', readFileSync(user1().cert), der);
  await assert.rejects(wallet.put('der', fromDer), (e) => e instanceof IdentityError && /DER/.test(e.message));
  assert.deepEqual(await wallet.list(), []);
});

test('FileWallet: the Rust SDK format on disk, read back by a new wallet, connect', async () => {
  const dir = join(tmp, 'wallet');
  const wallet = new FileWallet(dir);
  assert.equal(wallet.path, dir);
  assert.equal(wallet.encryptsKeys, false);
  await wallet.put('user1', await fromFiles());
  assert.deepEqual(readdirSync(dir), ['user1.id']);
  assert.equal(wallet.pathOf('user1'), join(dir, 'user1.id'));
  // fabric-network's identity file: {credentials: {certificate, privateKey}, mspId, type, version}.
  const file = JSON.parse(readFileSync(join(dir, 'user1.id'), 'utf8'));
  assert.equal(file.mspId, 'Org1MSP');
  assert.equal(file.type, 'X.509');
  assert.equal(file.credentials.certificate, readFileSync(user1().cert, 'utf8'));
  assert.match(file.credentials.privateKey, /-----BEGIN (EC )?PRIVATE KEY-----/);

  const again = new FileWallet(dir);
  assert.deepEqual(await again.list(), ['user1']);
  const got = await again.get('user1');
  await roundTrip(got);
  // What came out of a wallet can go into another.
  const copy = new InMemoryWallet();
  await copy.put('u', got);
  assert.deepEqual(await copy.list(), ['u']);
  assert.equal(await again.remove('user1'), true);
  assert.deepEqual(readdirSync(dir), []);
});

test('FileWallet with a passphrase keeps keys encrypted on disk', async () => {
  const dir = join(tmp, 'encrypted-wallet');
  const wallet = new FileWallet(dir, { passphrase: 'correct horse', pbkdf2Iterations: 100_000 });
  assert.equal(wallet.encryptsKeys, true);
  assert.equal(wallet.pbkdf2Iterations, 100_000);
  await wallet.put('user1', await fromFiles());
  const file = JSON.parse(readFileSync(join(dir, 'user1.id'), 'utf8'));
  assert.match(file.credentials.privateKey, /-----BEGIN ENCRYPTED PRIVATE KEY-----/);

  const got = await new FileWallet(dir, { passphrase: Buffer.from('correct horse') }).get('user1');
  await roundTrip(got);
  // Without the passphrase, or with another, the entry does not load; the file is named.
  for (const other of [new FileWallet(dir), new FileWallet(dir, { passphrase: 'wrong' })]) {
    await assert.rejects(other.get('user1'), (e) => {
      assert.ok(e instanceof IdentityError, `${e.name}: ${e.message}`);
      assert.equal(e.file, join(dir, 'user1.id'));
      return true;
    });
  }
  assert.throws(() => new FileWallet(dir, { passphrase: 'x', pbkdf2Iterations: 10 }), IdentityError);
  assert.throws(() => new FileWallet(dir, { passphrase: 42 }), { name: 'TypeError' });
  assert.throws(() => new FileWallet(dir, { password: 'x' }), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
});
