'use strict';
// The Fabric CA client: CaClient (enroll, reenroll, register, revoke, identities) and the
// Enrollment it returns. The addon (src/ca.rs) does the work; this file checks arguments, reads
// PEM-or-path options, turns attribute maps into lists, and maps errors (errors.js).
//
// Calls made on behalf of an enrolled identity (the registrar, the identity to reenroll) take
// an Enrollment, or {certificate, privateKeyPem[, passphrase, mspId]}, or any object with a
// [Symbol.for('fabweave.caCredential')]() method returning the addon's CaCredential (the hook
// an Identity class uses).

const fs = require('node:fs');
const path = require('node:path');
const { inspect } = require('node:util');
const { fromNative, typeError } = require('./errors.js');
const identities = require('./identity.js');

// Loaded (and its absence explained) by index.js first; this is the cached module.
const native = require(path.join(__dirname, 'fabweave.node'));

/** The hook through which other classes (e.g. an Identity) act as CA credentials. */
const CREDENTIAL = Symbol.for('fabweave.caCredential');
/** Lets fromProfile() wrap a native client (not for users). */
const WRAP = Symbol('fabweave.CaClient.wrap');

const OPTIONS = {
  CaClient: [
    'caName', 'tlsCaCert', 'serverName', 'clientCert', 'clientKey', 'connectTimeout',
    'requestTimeout', 'mspId',
  ],
  fromProfile: ['ca', 'connectTimeout', 'requestTimeout'],
  enroll: ['keyAlgorithm', 'attributes', 'profile', 'hosts', 'label', 'caName'],
  reenroll: ['keepKey', 'attributes', 'profile', 'hosts', 'label', 'caName'],
  register: ['secret', 'type', 'affiliation', 'maxEnrollments', 'attributes', 'caName'],
  revoke: ['id', 'serial', 'aki', 'reason', 'gencrl', 'caName'],
  removeIdentity: ['force'],
};

function describe(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return `an instance of ${value.constructor?.name ?? 'Object'}`;
  return `type ${typeof value}`;
}

function isPlainObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Checks an options object (undefined, or a plain object with known keys); returns a copy. */
function checkOptions(what, options) {
  if (options === undefined) return undefined;
  if (!isPlainObject(options)) throw typeError(`${what} options must be an object, not ${describe(options)}`);
  for (const key of Object.keys(options)) {
    if (!OPTIONS[what].includes(key)) {
      throw typeError(`unknown ${what} option '${key}': use ${OPTIONS[what].join(', ')}`, 'ERR_INVALID_ARG_VALUE');
    }
  }
  return { ...options };
}

function checkString(what, value) {
  if (typeof value !== 'string' || value === '') {
    throw typeError(`${what} must be a non-empty string, not ${describe(value)}`);
  }
}

/** Runs a call of the addon, turning what it throws or rejects with into fabweave's errors. */
async function call(fn) {
  try {
    return await fn();
  } catch (e) {
    throw fromNative(e);
  }
}

function callSync(fn) {
  try {
    return fn();
  } catch (e) {
    throw fromNative(e);
  }
}

/**
 * One PEM option: PEM text (a string holding `-----BEGIN`), PEM bytes (Buffer, Uint8Array), or
 * the path of a file holding it (any other string, or a file: URL). Returns [bytes, readHere].
 */
function pemOf(what, value) {
  if (value instanceof Uint8Array) return [value, false];
  if (typeof value === 'string' && value.includes('-----BEGIN')) return [Buffer.from(value), false];
  if (typeof value === 'string' || value instanceof URL) {
    try {
      return [fs.readFileSync(value), true];
    } catch (e) {
      e.message = `${what}: cannot read ${value}: ${e.message}`;
      throw e;
    }
  }
  throw typeError(`${what} must be PEM (a string or Buffer) or a file path, not ${describe(value)}`);
}

/** `attributes` of enroll and reenroll: names (each required) or {name: optional}. */
function attributeRequests(value) {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) {
    return value.map((name, i) => {
      if (typeof name !== 'string') throw typeError(`attributes[${i}] must be a string (a name), not ${describe(name)}`);
      return { name, optional: false };
    });
  }
  if (isPlainObject(value)) {
    return Object.entries(value).map(([name, optional]) => {
      if (typeof optional !== 'boolean') {
        throw typeError(`attributes['${name}'] must be a boolean (whether it is optional), not ${describe(optional)}`);
      }
      return { name, optional };
    });
  }
  throw typeError(`attributes must be an array of names or an object of name to optional, not ${describe(value)}`);
}

/**
 * `attributes` of register and modifyIdentity: [{name, value, ecert?}], or {name: value} where
 * a value is a string or {value, ecert?}.
 */
function registeredAttributes(value) {
  if (value === undefined) return undefined;
  const one = (where, name, v) => {
    if (typeof v === 'string') return { name, value: v, ecert: false };
    if (isPlainObject(v) && typeof v.value === 'string' && (v.ecert === undefined || typeof v.ecert === 'boolean')) {
      return { name, value: v.value, ecert: v.ecert ?? false };
    }
    throw typeError(`${where} must be a string or {value: string, ecert?: boolean}, not ${describe(v)}`);
  };
  if (Array.isArray(value)) {
    return value.map((a, i) => {
      if (!isPlainObject(a) || typeof a.name !== 'string') {
        throw typeError(`attributes[${i}] must be {name, value, ecert?}, not ${describe(a)}`);
      }
      return one(`attributes[${i}]`, a.name, a);
    });
  }
  if (isPlainObject(value)) return Object.entries(value).map(([name, v]) => one(`attributes['${name}']`, name, v));
  throw typeError(`attributes must be an array or an object, not ${describe(value)}`);
}

const enrollmentNatives = new WeakMap();

/** The addon's CaCredential for what a registrar (or the identity to reenroll) was given as. */
function credentialOf(what, value) {
  const enrollment = value !== null && typeof value === 'object' ? enrollmentNatives.get(value) : undefined;
  if (enrollment) return callSync(() => enrollment.credential());
  if (value instanceof identities.Identity) return native.caCredentialOf(identities.nativeOf(value));
  if (value !== null && typeof value === 'object' && typeof value[CREDENTIAL] === 'function') {
    const credential = value[CREDENTIAL]();
    if (credential instanceof native.CaCredential) return credential;
  }
  if (isPlainObject(value) && value.certificate !== undefined && value.privateKeyPem !== undefined) {
    const { certificate, privateKeyPem, passphrase, mspId } = value;
    for (const [k, v] of Object.entries({ certificate, privateKeyPem })) {
      if (typeof v !== 'string' && !(v instanceof Uint8Array)) {
        throw typeError(`${what}.${k} must be PEM (a string or Buffer), not ${describe(v)}`);
      }
    }
    if (passphrase !== undefined && typeof passphrase !== 'string' && !(passphrase instanceof Uint8Array)) {
      throw typeError(`${what}.passphrase must be a string or Buffer, not ${describe(passphrase)}`);
    }
    if (mspId !== undefined && typeof mspId !== 'string') {
      throw typeError(`${what}.mspId must be a string, not ${describe(mspId)}`);
    }
    return callSync(() => native.caCredential(certificate, privateKeyPem, passphrase, mspId));
  }
  throw typeError(
    `${what} must be an Enrollment, an Identity or {certificate, privateKeyPem} (PEM), not ${describe(value)}`,
  );
}

/** An IdentityInfo of the addon, its secret (if any) kept out of console.log and JSON. */
function identityInfo(info) {
  const secret = info.secret ?? null;
  delete info.secret;
  for (const a of info.attributes) a.ecert = a.ecert ?? false;
  Object.defineProperty(info, 'secret', { value: secret, enumerable: false });
  return info;
}

/**
 * An issued certificate with its private key: what `enroll` and `reenroll` resolve to. The key
 * stays in the addon: `privateKeyPem()` hands it out only when asked, and neither
 * `console.log`/`util.inspect` nor `JSON.stringify` shows it.
 */
class Enrollment {
  /** @internal Made by CaClient.enroll() and reenroll(). */
  constructor(inner) {
    if (!(inner instanceof native.Enrollment)) {
      throw new TypeError('Enrollments are made by CaClient.enroll() and CaClient.reenroll()');
    }
    enrollmentNatives.set(this, inner);
  }

  /** The certificate, PEM, as the CA issued it. */
  get certificate() {
    return enrollmentNatives.get(this).certificate;
  }

  /** The CA's certificate chain, PEM (signing CA first): an MSP's `cacerts`. */
  get caChain() {
    return enrollmentNatives.get(this).caChain;
  }

  /** What the CA said about itself in the answer. */
  get caInfo() {
    return enrollmentNatives.get(this).caInfo;
  }

  /** The MSP ID of the CaClient (from its profile, or its `mspId` option), or null. */
  get mspId() {
    return enrollmentNatives.get(this).mspId ?? null;
  }

  /** The certificate's subject common name (the enrollment ID). */
  get commonName() {
    return enrollmentNatives.get(this).commonName ?? null;
  }

  /** The certificate's subject, e.g. `CN=user1,OU=client`. */
  get subject() {
    return enrollmentNatives.get(this).subject ?? null;
  }

  /** The private key, unencrypted PKCS#8 PEM, or null when a reenrollment kept the key. Keep it secret. */
  privateKeyPem() {
    return enrollmentNatives.get(this).privateKeyPem() ?? null;
  }

  /**
   * The enrollment as an `Identity` of `mspId` (default: the CaClient's MSP ID, from its profile
   * or `mspId` option), to connect or sign with, or to put in a wallet. The key stays in the
   * addon.
   */
  identity(mspId) {
    if (mspId !== undefined && (typeof mspId !== 'string' || mspId === '')) {
      throw typeError(`mspId must be a non-empty string, not ${describe(mspId)}`);
    }
    const inner = enrollmentNatives.get(this);
    return new identities.Identity(callSync(() => inner.identity(mspId)));
  }

  /** The public parts (never the key), for `JSON.stringify`. */
  toJSON() {
    return { certificate: this.certificate, caChain: this.caChain, mspId: this.mspId };
  }

  [inspect.custom](depth, options, inspectFn = inspect) {
    const inner = enrollmentNatives.get(this);
    const shown = {
      subject: this.subject,
      mspId: this.mspId,
      caName: inner.caInfo.caName,
      privateKey: inner.hasPrivateKey ? '<hidden>' : '<kept>',
    };
    return `Enrollment ${inspectFn(shown, { ...options, depth: options.depth == null ? null : options.depth - 1 })}`;
  }
}

/** A client of one Fabric CA server. */
class CaClient {
  #native;

  /**
   * A client for the CA at `url` (`https://host:port`; `http://` without TLS).
   * @param {string} url
   * @param {import('./index').CaClientOptions} [options]
   */
  constructor(url, options) {
    if (url === WRAP) {
      this.#native = options;
      return;
    }
    checkString('url', url);
    const o = checkOptions('CaClient', options) ?? {};
    const readHere = [];
    try {
      if (o.tlsCaCert !== undefined) {
        const list = Array.isArray(o.tlsCaCert) ? o.tlsCaCert : [o.tlsCaCert];
        o.tlsCaCert = list.map((v, i) => pemOf(Array.isArray(o.tlsCaCert) ? `tlsCaCert[${i}]` : 'tlsCaCert', v)[0]);
      }
      for (const k of ['clientCert', 'clientKey']) {
        if (o[k] === undefined) continue;
        const [bytes, read] = pemOf(k, o[k]);
        o[k] = bytes;
        if (read && k === 'clientKey') readHere.push(bytes);
      }
      this.#native = callSync(() => new native.CaClient(url, o));
    } finally {
      // A key read from a file here is not left in memory.
      for (const b of readHere) b.fill(0);
    }
  }

  /**
   * The CA `options.ca` (a key of the profile's `certificateAuthorities`) of the connection
   * profile at `profile`, or the client organization's first CA.
   * @param {string} profile
   * @param {import('./index').CaProfileOptions} [options]
   */
  static fromProfile(profile, options) {
    checkString('profile', profile);
    const o = checkOptions('fromProfile', options);
    return new CaClient(WRAP, callSync(() => native.CaClient.fromProfile(profile, o)));
  }

  /** The URL as given. */
  get url() {
    return this.#native.url;
  }

  /** The CA of the server this client addresses, or null for the server's default CA. */
  get caName() {
    return this.#native.caName ?? null;
  }

  /** The MSP ID enrollments carry (from the profile, or the `mspId` option), or null. */
  get mspId() {
    return this.#native.mspId ?? null;
  }

  /** The CA's name, certificate chain and version (no authentication). */
  async info() {
    return call(() => this.#native.info());
  }

  /** Enrolls `id` with `secret`: the key pair is generated locally; only a CSR is sent. */
  async enroll(id, secret, options) {
    checkString('id', id);
    checkString('secret', secret);
    const o = checkOptions('enroll', options);
    if (o) o.attributes = attributeRequests(o.attributes);
    return new Enrollment(await call(() => this.#native.enroll(id, secret, o)));
  }

  /** A new certificate for `current` (an Enrollment or {certificate, privateKeyPem}), authenticated by it. */
  async reenroll(current, options) {
    const credential = credentialOf('current', current);
    const o = checkOptions('reenroll', options);
    if (o) o.attributes = attributeRequests(o.attributes);
    return new Enrollment(await call(() => this.#native.reenroll(credential, o)));
  }

  /** Registers identity `id` on behalf of `registrar`; resolves to its enrollment secret. */
  async register(registrar, id, options) {
    const credential = credentialOf('registrar', registrar);
    checkString('id', id);
    const o = checkOptions('register', options);
    if (o) o.attributes = registeredAttributes(o.attributes);
    return call(() => this.#native.register(credential, id, o));
  }

  /**
   * Revokes, on behalf of `registrar`, identity `id` (all its certificates) or, with
   * `{serial, aki}` instead of `id`, one certificate. `revoke(registrar, id, options)` or
   * `revoke(registrar, options)`.
   */
  async revoke(registrar, id, options) {
    const credential = credentialOf('registrar', registrar);
    if (isPlainObject(id) && options === undefined) {
      options = id;
      id = undefined;
    }
    if (id !== undefined) checkString('id', id);
    const o = checkOptions('revoke', options) ?? {};
    if (id !== undefined) o.id = id;
    const revocation = await call(() => this.#native.revoke(credential, o));
    revocation.crl = revocation.crl ?? null;
    return revocation;
  }

  /** The identities `registrar` may see. */
  async identities(registrar) {
    const credential = credentialOf('registrar', registrar);
    const all = await call(() => this.#native.identities(credential));
    return all.map(identityInfo);
  }

  /** Identity `id` as `registrar` sees it (unknown: CaError, caCode 63). */
  async identity(registrar, id) {
    const credential = credentialOf('registrar', registrar);
    checkString('id', id);
    return identityInfo(await call(() => this.#native.identity(credential, id)));
  }

  /** Changes identity `id`: the options given (as for `register`) replace the identity's. */
  async modifyIdentity(registrar, id, options) {
    const credential = credentialOf('registrar', registrar);
    checkString('id', id);
    const o = checkOptions('register', options);
    if (o) o.attributes = registeredAttributes(o.attributes);
    return identityInfo(await call(() => this.#native.modifyIdentity(credential, id, o)));
  }

  /** Removes identity `id` (the CA must allow it); `{force: true}` also removes the registrar's own. */
  async removeIdentity(registrar, id, options) {
    const credential = credentialOf('registrar', registrar);
    checkString('id', id);
    const o = checkOptions('removeIdentity', options);
    return identityInfo(await call(() => this.#native.removeIdentity(credential, id, o?.force)));
  }

  /** The affiliation tree `registrar` may see, as the CA returns it ({name, affiliations, caname}). */
  async affiliations(registrar) {
    const credential = credentialOf('registrar', registrar);
    return call(() => this.#native.affiliations(credential));
  }

  [inspect.custom]() {
    return `CaClient { url: '${this.url}', caName: ${this.caName === null ? 'null' : `'${this.caName}'`} }`;
  }
}

module.exports = { CaClient, Enrollment };
