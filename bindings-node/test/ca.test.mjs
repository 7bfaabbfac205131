// CaClient against the network's real fabric-ca-server (org1's CA): cainfo, enroll with the
// CA's bootstrap registrar, register and enroll a user with an attribute, reenroll, revoke, the
// identity calls, the CA's refusals as CaError, an unreachable CA as a TransportError, and an
// SM2 request reaching the CA.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { inspect } from 'node:util';

import {
  CaClient,
  CaError,
  connect,
  Enrollment,
  FabweaveError,
  Identity,
  InMemoryWallet,
  ProfileError,
  TransportError,
} from 'fabweave';
import { down, unique, up } from './network.mjs';

let manifest;

before(() => {
  manifest = up();
});

after(() => {
  down();
});

/** Org1's CA in the manifest: url, caName, tlsCaFile, tlsHost, registrar {enrollId, enrollSecret}. */
const org1Ca = () => manifest.cas.find((c) => c.org === 'org1');
const org1 = () => manifest.orgs.org1;

/** A client of org1's CA by URL. */
function urlClient() {
  const ca = org1Ca();
  return new CaClient(ca.url, { tlsCaCert: ca.tlsCaFile, caName: ca.caName, mspId: org1().mspId });
}

/** The CA's bootstrap registrar, enrolled. */
async function enrollAdmin(client) {
  const { enrollId, enrollSecret } = org1Ca().registrar;
  return client.enroll(enrollId, enrollSecret);
}

/**
 * The authority key identifier of a PEM certificate, hex: the keyIdentifier [0] of its
 * AuthorityKeyIdentifier extension (OID 2.5.29.35; Node's X509Certificate does not show it).
 */
function authorityKeyId(pem) {
  const der = new X509Certificate(pem).raw;
  const at = der.indexOf(Buffer.from([0x06, 0x03, 0x55, 0x1d, 0x23]));
  assert.ok(at >= 0, 'the certificate has an AuthorityKeyIdentifier');
  // OID, OCTET STRING { SEQUENCE { [0] keyIdentifier ... } } (short lengths, as CA certificates have).
  let i = at + 5;
  assert.equal(der[i], 0x04);
  i += 2;
  assert.equal(der[i], 0x30);
  i += 2;
  assert.equal(der[i], 0x80);
  const length = der[i + 1];
  return der.subarray(i + 2, i + 2 + length).toString('hex');
}

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('info from a URL and from both profile shapes', async () => {
  const ca = org1Ca();
  const byUrl = urlClient();
  assert.equal(byUrl.url, ca.url);
  assert.equal(byUrl.caName, ca.caName);
  assert.equal(byUrl.mspId, org1().mspId);
  const info = await byUrl.info();
  assert.equal(info.caName, ca.caName);
  assert.match(info.caChain, /^-----BEGIN CERTIFICATE-----/);
  assert.ok(Buffer.isBuffer(info.issuerPublicKey));
  // The chain is the CA's own: it verifies nothing else, but it parses as a CA certificate.
  assert.equal(new X509Certificate(info.caChain).ca, true);

  for (const key of ['bcsUser', 'ccpJson']) {
    const fromProfile = CaClient.fromProfile(org1().profiles[key]);
    assert.ok(fromProfile instanceof CaClient);
    assert.equal(fromProfile.mspId, org1().mspId, key);
    assert.equal(fromProfile.caName, ca.caName, key);
    assert.equal((await fromProfile.info()).caChain, info.caChain, key);
  }
  // Named by its key in the profile; PEM text instead of a path for the TLS CA.
  const named = CaClient.fromProfile(org1().profiles.bcsUser, { ca: ca.tlsHost });
  assert.equal((await named.info()).caName, ca.caName);
  const byPem = new CaClient(ca.url, { tlsCaCert: readFileSync(ca.tlsCaFile, 'utf8') });
  assert.equal(byPem.caName, null);
  assert.equal((await byPem.info()).caChain, info.caChain, "the server's default CA is org1's");
});

test('option mistakes are refused before any call', async () => {
  const ca = org1Ca();
  const typeError = (code) => (e) => {
    assert.ok(e instanceof TypeError, `${e.name}: ${e.message}`);
    assert.equal(e.code, code);
    return true;
  };
  assert.throws(
    () => CaClient.fromProfile(org1().profiles.bcsUser, { ca: 'ca.nowhere.example.com' }),
    (e) => e instanceof ProfileError && e.message.includes('ca.nowhere.example.com'),
  );
  assert.throws(
    () => new CaClient(ca.url, { tlsCaCert: ca.tlsCaFile, clientCert: ca.tlsCaFile }),
    typeError('ERR_INVALID_ARG_VALUE'),
  );
  assert.throws(
    () => new CaClient(ca.url, { tlsCaCert: '/nonexistent/tls-ca.pem' }),
    (e) => e.code === 'ENOENT' && e.message.includes('tlsCaCert') && e.message.includes('/nonexistent/tls-ca.pem'),
  );
  // https:// without a TLS CA to trust.
  assert.throws(() => new CaClient(ca.url), (e) => e instanceof TransportError && e.code === 'FABWEAVE_TRANSPORT');
  assert.throws(() => new CaClient(ca.url, { tlsCa: ca.tlsCaFile }), typeError('ERR_INVALID_ARG_VALUE'));
  assert.throws(() => new CaClient(42), typeError('ERR_INVALID_ARG_TYPE'));
  assert.throws(() => new Enrollment({}), TypeError);

  const client = urlClient();
  await assert.rejects(client.enroll('admin', 'adminpw', { keyAlgorithm: 'rsa' }), typeError('ERR_INVALID_ARG_VALUE'));
  await assert.rejects(client.enroll('admin', 'adminpw', { attributes: 'role' }), typeError('ERR_INVALID_ARG_TYPE'));
  await assert.rejects(client.enroll('admin'), typeError('ERR_INVALID_ARG_TYPE'));
  await assert.rejects(client.register({ certificate: 'x' }, 'someone'), typeError('ERR_INVALID_ARG_TYPE'));
  await assert.rejects(client.identities('admin'), typeError('ERR_INVALID_ARG_TYPE'));
  const admin = await enrollAdmin(client);
  await assert.rejects(client.revoke(admin, {}), (e) => e instanceof TypeError && /serial and aki/.test(e.message));
  await assert.rejects(
    client.register(admin, 'someone', { attributes: { role: 7 } }),
    typeError('ERR_INVALID_ARG_TYPE'),
  );
});

test('enroll the bootstrap admin: its certificate, MSP and key, the key never shown', async () => {
  const client = CaClient.fromProfile(org1().profiles.bcsUser);
  const admin = await enrollAdmin(client);
  assert.ok(admin instanceof Enrollment);
  assert.equal(admin.commonName, 'admin');
  assert.match(admin.subject, /CN=admin/);
  assert.equal(admin.mspId, org1().mspId);
  assert.equal(admin.caInfo.caName, org1Ca().caName);
  assert.equal(admin.caChain, (await client.info()).caChain);

  // Read back independently: Node's X.509 parser agrees on the subject and the issuer, and
  // the key handed out is the certificate's.
  const cert = new X509Certificate(admin.certificate);
  assert.match(cert.subject, /CN=admin/);
  assert.ok(cert.checkIssued(new X509Certificate(admin.caChain)), 'issued by the CA of the chain');
  const key = admin.privateKeyPem();
  assert.match(key, /^-----BEGIN PRIVATE KEY-----/);
  assert.equal(cert.checkPrivateKey(createPrivateKey(key)), true);

  for (const shown of [inspect(admin), inspect(admin, { depth: 5, showHidden: true }), JSON.stringify(admin), String(admin)]) {
    assert.ok(!shown.includes('PRIVATE KEY'), shown);
    assert.ok(!shown.includes(key.split('\n')[1]), 'no line of the key');
  }
  assert.match(inspect(admin), /CN=admin/);
  assert.deepEqual(Object.keys(JSON.parse(JSON.stringify(admin))).sort(), ['caChain', 'certificate', 'mspId']);
});

test('register and enroll a user with an attribute; identities, modify, affiliations', async () => {
  const client = urlClient();
  const admin = await enrollAdmin(client);
  const user = unique('node-ca-user');
  const secret = await client.register(admin, user, {
    affiliation: 'org1.department1',
    attributes: { role: { value: 'auditor', ecert: true } },
  });
  assert.equal(typeof secret, 'string');
  assert.ok(secret.length > 0);

  const enrollment = await client.enroll(user, secret, { attributes: ['role'], hosts: ['app.example.com'] });
  assert.equal(enrollment.commonName, user);
  assert.equal(enrollment.mspId, org1().mspId);
  const cert = new X509Certificate(enrollment.certificate);
  assert.match(cert.subject, new RegExp(`CN=${user}`));
  assert.match(cert.subject, /OU=client/);
  assert.match(cert.subjectAltName, /DNS:app\.example\.com/);
  // Fabric CA puts the attributes in an extension holding {"attrs": {...}}.
  assert.ok(cert.raw.includes('"role":"auditor"'), 'the attribute is in the certificate');

  const listed = (await client.identities(admin)).filter((i) => i.id === user);
  assert.equal(listed.length, 1);
  const [info] = listed;
  assert.equal(info.affiliation, 'org1.department1');
  assert.equal(info.type, 'client');
  assert.equal(info.maxEnrollments, -1);
  assert.deepEqual(info.attributes.find((a) => a.name === 'role'), { name: 'role', value: 'auditor', ecert: true });
  assert.equal(info.secret, null);

  const one = await client.identity(admin, user);
  assert.equal(one.id, user);
  assert.equal(one.caName, org1Ca().caName);
  const modified = await client.modifyIdentity(admin, user, { attributes: [{ name: 'level', value: '3' }], secret: 'new-secret-7' });
  const attr = (name) => modified.attributes.find((a) => a.name === name)?.value;
  assert.equal(attr('level'), '3');
  assert.equal(attr('role'), 'auditor');
  assert.equal(modified.secret, 'new-secret-7');
  assert.ok(!JSON.stringify(modified).includes('new-secret-7'), 'the secret stays out of JSON');
  assert.ok(!inspect(modified).includes('new-secret-7'), 'and out of console.log');
  // The new secret is the one the CA takes now.
  assert.equal((await client.enroll(user, 'new-secret-7')).commonName, user);

  // This network's CA does not allow removals (cfg.identities.allowremove is off): the CA's
  // refusal, with its code, and the identity stays.
  await assert.rejects(client.removeIdentity(admin, user), (e) => {
    assert.ok(e instanceof CaError, `${e.name}: ${e.message}`);
    assert.equal(e.status, 403);
    assert.equal(e.caCode, 56);
    return true;
  });
  assert.equal((await client.identity(admin, user)).id, user);

  const tree = await client.affiliations(admin);
  const names = JSON.stringify(tree);
  assert.ok(names.includes('org1.department1'), names);
});

test('reenroll gives a new certificate (new key, or the same key with keepKey)', async () => {
  const client = urlClient();
  const admin = await enrollAdmin(client);
  const user = unique('node-ca-reenroll');
  const secret = await client.register(admin, user, { affiliation: 'org1.department1' });
  const first = await client.enroll(user, secret);

  const second = await client.reenroll(first);
  assert.equal(second.commonName, user);
  assert.notEqual(second.certificate, first.certificate);
  assert.ok(second.privateKeyPem());
  assert.notEqual(second.privateKeyPem(), first.privateKeyPem());
  assert.equal(new X509Certificate(second.certificate).checkPrivateKey(createPrivateKey(second.privateKeyPem())), true);

  // keepKey: a new certificate for the key second holds; no key to hand out.
  const third = await client.reenroll(second, { keepKey: true });
  assert.equal(third.privateKeyPem(), null);
  assert.notEqual(third.certificate, second.certificate);
  const spki = (pem) => createPublicKey(pem).export({ type: 'spki', format: 'der' }).toString('hex');
  assert.equal(spki(third.certificate), spki(second.certificate));
  assert.ok(!inspect(third).includes('hidden') && inspect(third).includes('<kept>'), inspect(third));

  // A certificate and key as PEM work too (as stored in an MSP folder or a wallet).
  const fourth = await client.reenroll({ certificate: second.certificate, privateKeyPem: second.privateKeyPem() });
  assert.equal(fourth.commonName, user);
  assert.notEqual(fourth.certificate, second.certificate);
  // A key that is not the certificate's is refused before any call.
  await assert.rejects(
    client.reenroll({ certificate: second.certificate, privateKeyPem: first.privateKeyPem() }),
    (e) => e instanceof FabweaveError && e.code === 'FABWEAVE_IDENTITY',
  );
});

test('a revoked identity can neither enroll nor reenroll', async () => {
  const client = urlClient();
  const admin = await enrollAdmin(client);
  const user = unique('node-ca-revoked');
  const secret = await client.register(admin, user, { affiliation: 'org1.department1', maxEnrollments: 5 });
  const first = await client.enroll(user, secret);
  const second = await client.reenroll(first);
  const third = await client.reenroll(second);
  const serial = (e) => new X509Certificate(e.certificate).serialNumber.toLowerCase().replace(/^0+/, '');
  const serials = (r) => r.revoked.map((c) => c.serial.toLowerCase().replace(/^0+/, '')).sort();

  // One certificate by serial and AKI: that one only; its holder can no longer reenroll.
  const one = await client.revoke(admin, { serial: serial(first), aki: authorityKeyId(first.certificate) });
  assert.deepEqual(serials(one), [serial(first)]);
  assert.equal(one.crl, null, 'no CRL unless asked');
  await assert.rejects(client.reenroll(first), (e) => e instanceof CaError && e.caCode === 20);

  // The identity: its other certificates, and a CRL listing all three.
  const revocation = await client.revoke(admin, user, { reason: 'keycompromise', gencrl: true });
  for (const r of revocation.revoked) {
    assert.match(r.serial, /^[0-9a-f]+$/i);
    assert.match(r.aki, /^[0-9a-f]+$/i);
  }
  assert.deepEqual(serials(revocation), [serial(second), serial(third)].sort());
  assert.match(revocation.crl, /-----BEGIN X509 CRL-----/);

  await assert.rejects(client.enroll(user, secret), (e) => {
    assert.ok(e instanceof CaError, `${e.name}: ${e.message}`);
    assert.equal(e.status, 401);
    assert.equal(e.caCode, 20);
    return true;
  });
  await assert.rejects(client.reenroll(second), (e) => {
    assert.ok(e instanceof CaError, `${e.name}: ${e.message}`);
    assert.equal(e.caCode, 20);
    assert.match(e.hint, /revoked/);
    return true;
  });
});

test("a wrong secret is a CaError with the CA's status, code and message", async () => {
  const client = urlClient();
  await assert.rejects(client.enroll('admin', unique('not-the-password')), (e) => {
    assert.ok(e instanceof CaError, `${e.name}: ${e.message}`);
    assert.ok(e instanceof FabweaveError);
    assert.equal(e.name, 'CaError');
    assert.equal(e.code, 'FABWEAVE_CA');
    assert.equal(e.kind, 'ca');
    assert.equal(e.status, 401);
    assert.equal(e.caCode, 20);
    assert.equal(e.reason, 'Authentication failure');
    assert.match(e.hint, /wrong enrollment secret/);
    assert.equal(e.url, `${org1Ca().url}/api/v1/enroll`);
    assert.equal(e.retryable, false);
    return true;
  });
  const admin = await enrollAdmin(client);
  await assert.rejects(client.identity(admin, unique('nobody')), (e) => {
    assert.ok(e instanceof CaError);
    assert.equal(e.status, 404);
    assert.equal(e.caCode, 63);
    return true;
  });
});

test('an unreachable CA is a TransportError naming its URL', async () => {
  const port = await freePort();
  const url = `https://127.0.0.1:${port}`;
  const client = new CaClient(url, { tlsCaCert: org1Ca().tlsCaFile, connectTimeout: 5 });
  await assert.rejects(client.enroll('admin', 'adminpw'), (e) => {
    assert.ok(e instanceof TransportError, `${e.name}: ${e.message}`);
    assert.equal(e.endpoint, url);
    assert.ok(e.message.includes(url), e.message);
    return true;
  });
});

test('enrollments at once, and maxEnrollments refusing the one too many', async () => {
  const client = urlClient();
  const admin = await enrollAdmin(client);
  const user = unique('node-ca-twice');
  const secret = await client.register(admin, user, { secret: 'node-pw-2', maxEnrollments: 2 });
  assert.equal(secret, 'node-pw-2');
  const [a, b] = await Promise.all([client.enroll(user, secret), client.enroll(user, secret)]);
  assert.equal(a.commonName, user);
  assert.equal(b.commonName, user);
  assert.notEqual(a.certificate, b.certificate);
  await assert.rejects(client.enroll(user, secret), (e) => e instanceof CaError && e.caCode === 20);
  assert.equal((await client.identity(admin, user)).maxEnrollments, 2);
});

test('an SM2 enrollment sends an SM2 request (refused by a CA without GM support)', async () => {
  const client = urlClient();
  const admin = await enrollAdmin(client);
  const user = unique('node-ca-sm2');
  const secret = await client.register(admin, user, { affiliation: 'org1.department1' });
  // The network's fabric-ca-server is upstream Fabric CA, which has no SM2: it parses the
  // request, meets the SM2 curve and refuses. (GM networks run no CA; see tests/network/net.)
  // With keyAlgorithm ignored, this enrollment would succeed with a P-256 key.
  await assert.rejects(client.enroll(user, secret, { keyAlgorithm: 'sm2' }), (e) => {
    assert.ok(e instanceof CaError, `${e.name}: ${e.message}`);
    assert.equal(e.status, 500);
    assert.match(e.reason, /elliptic curve/);
    return true;
  });
  // The same identity enrolls with P-256.
  const p256 = await client.enroll(user, secret, { keyAlgorithm: 'p256' });
  assert.equal(createPublicKey(p256.certificate).asymmetricKeyDetails.namedCurve, 'prime256v1');
});

test('an enrolled user as an Identity: connects and submits, goes into a wallet, acts as registrar', async () => {
  const client = CaClient.fromProfile(org1().profiles.bcsUser);
  const admin = (await enrollAdmin(client)).identity();
  assert.ok(admin instanceof Identity);
  assert.equal(admin.mspId, org1().mspId);
  // An Identity made from an enrollment is a registrar as the enrollment is.
  const id = unique('node-ca-identity');
  const secret = await client.register(admin, id, { affiliation: 'org1.department1' });
  const enrolled = await client.enroll(id, secret);
  const user = enrolled.identity();
  assert.equal(user.commonName, id);
  assert.equal(user.certificate, enrolled.certificate);
  assert.ok(!inspect(user).includes('PRIVATE KEY'));
  assert.ok((await client.identities(admin)).some((i) => i.id === id));

  // The peers accept its signatures: a submit as the new user commits, and the same identity
  // read back from a wallet connects too.
  const wallet = new InMemoryWallet();
  await wallet.put(id, user);
  for (const identity of [user, await wallet.get(id)]) {
    const fabric = await connect({ profile: org1().profiles.bcsUser, identity, mode: 'client' });
    try {
      const key = unique('by-enrolled');
      const done = await fabric.network('mychannel').contract('kv_or').submit('put', { args: [key, id] });
      assert.ok(done.blockNumber > 0);
      const got = await fabric.network('mychannel').contract('kv_or').evaluate('get', { args: [key] });
      assert.equal(got.toString(), id);
    } finally {
      await fabric.close();
    }
  }

  // Without an MSP ID (a CaClient by URL without one) identity() asks for it.
  const bare = new CaClient(org1Ca().url, { tlsCaCert: org1Ca().tlsCaFile, caName: org1Ca().caName });
  const again = await enrollAdmin(bare);
  assert.throws(() => again.identity(), (e) => e instanceof TypeError && /MSP ID/.test(e.message));
  assert.equal(again.identity(org1().mspId).mspId, org1().mspId);
});
