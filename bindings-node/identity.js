'use strict';
// Identity (src/identity.rs) and the wallets (src/wallet.rs): the classes users see, argument
// checks, and the addon's errors turned into errors.js's classes.

const { inspect } = require('node:util');
const { fromNative, typeError } = require('./errors.js');

/** Runs a call of the addon, turning what it throws or rejects with into fabweave's errors. */
async function call(fn) {
  try {
    return await fn();
  } catch (e) {
    throw fromNative(e);
  }
}

function sync(fn) {
  try {
    return fn();
  } catch (e) {
    throw fromNative(e);
  }
}

function describe(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return `an instance of ${value.constructor?.name ?? 'Object'}`;
  return `type ${typeof value}`;
}

function checkString(what, value) {
  if (typeof value !== 'string' || value === '') {
    throw typeError(`${what} must be a non-empty string, not ${describe(value)}`);
  }
}

function checkBytes(what, value) {
  if (typeof value !== 'string' && !(value instanceof Uint8Array)) {
    throw typeError(`${what} must be a string, Buffer or Uint8Array, not ${describe(value)}`);
  }
}

/** Checks an options object with known keys only; returns it (or undefined). */
function checkOptions(what, options, known) {
  if (options === undefined) return undefined;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw typeError(`${what} options must be an object, not ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw typeError(`unknown ${what} option '${key}': use ${known.join(', ')}`, 'ERR_INVALID_ARG_VALUE');
    }
  }
  return options;
}

function passphraseOf(what, options) {
  checkOptions(what, options, ['passphrase']);
  const passphrase = options?.passphrase;
  if (passphrase !== undefined) checkBytes('passphrase', passphrase);
  return passphrase;
}

let native;
let nativeOf;
let walletNativeOf;

/**
 * An identity: an MSP ID, an X.509 certificate and a way to sign (a private key held by the
 * addon, or a signer function). Made by the static `from*` methods or a wallet's `get`.
 */
class Identity {
  #native;

  static {
    nativeOf = (identity) => identity.#native;
  }

  /** @internal Made by the static methods and by wallets. */
  constructor(inner) {
    if (!(inner instanceof native.Identity)) {
      throw new TypeError('use Identity.fromPem, fromFiles, fromMspDir or fromSigner to make an Identity');
    }
    this.#native = inner;
  }

  /**
   * From a certificate and a private key in PEM (strings or bytes; DER bytes work too, but
   * such an identity cannot go into a wallet). Throws IdentityError.
   */
  static fromPem(mspId, certificate, privateKey, options) {
    checkString('mspId', mspId);
    checkBytes('certificate', certificate);
    checkBytes('privateKey', privateKey);
    const passphrase = passphraseOf('fromPem', options);
    return new Identity(sync(() => native.Identity.fromPem(mspId, certificate, privateKey, passphrase)));
  }

  /** From a certificate file and a private key file; rejects with IdentityError naming the file. */
  static async fromFiles(mspId, certificatePath, privateKeyPath, options) {
    checkString('mspId', mspId);
    checkString('certificatePath', certificatePath);
    checkString('privateKeyPath', privateKeyPath);
    const passphrase = passphraseOf('fromFiles', options);
    return new Identity(
      await call(() => native.Identity.fromFiles(mspId, certificatePath, privateKeyPath, passphrase)),
    );
  }

  /** From an MSP folder (`signcerts/`, `keystore/`) as cryptogen or a Fabric CA client write it. */
  static async fromMspDir(mspId, dir, options) {
    checkString('mspId', mspId);
    checkString('dir', dir);
    const passphrase = passphraseOf('fromMspDir', options);
    return new Identity(await call(() => native.Identity.fromMspDir(mspId, dir, passphrase)));
  }

  /**
   * From the certificate (PEM or DER) of an ECDSA P-256 key held elsewhere (an HSM, a KMS)
   * and `signer(message: Buffer) => Uint8Array | Promise<Uint8Array>`. The signer gets the
   * message itself, not a digest: it hashes with SHA-256 and returns the DER signature.
   */
  static fromSigner(mspId, certificate, signer, options) {
    checkString('mspId', mspId);
    checkBytes('certificate', certificate);
    if (typeof signer !== 'function') {
      throw typeError(`signer must be a function (message: Buffer) => Promise<Uint8Array>, not ${describe(signer)}`);
    }
    checkOptions('fromSigner', options, ['timeout']);
    // The addon waits for a promise of hex text: anything else the user's function gives
    // becomes a rejection that names it.
    const adapted = async (message) => {
      const signature = await signer(message);
      if (!(signature instanceof Uint8Array)) {
        throw new TypeError(`the signer must return a Uint8Array or Buffer (the DER signature), not ${describe(signature)}`);
      }
      return Buffer.from(signature.buffer, signature.byteOffset, signature.byteLength).toString('hex');
    };
    return new Identity(sync(() => native.Identity.fromSigner(mspId, certificate, adapted, options)));
  }

  /** Signs `message` as Fabric expects (ECDSA P-256: SHA-256, DER, low S). */
  async sign(message) {
    checkBytes('message', message);
    return call(() => this.#native.sign(message));
  }

  /** The organization's MSP ID. */
  get mspId() {
    return this.#native.mspId;
  }

  /** The certificate, PEM. */
  get certificate() {
    return this.#native.certificate;
  }

  /** The certificate's subject common name, or null. */
  get commonName() {
    return this.#native.commonName ?? null;
  }

  /** The certificate's subject (RFC 4514). */
  get subject() {
    return this.#native.subject;
  }

  /** The certificate's issuer (RFC 4514). */
  get issuer() {
    return this.#native.issuer;
  }

  /** The start of the certificate's validity. */
  get notBefore() {
    return new Date(this.#native.notBefore);
  }

  /** The end of the certificate's validity. */
  get notAfter() {
    return new Date(this.#native.notAfter);
  }

  /** `Identity { mspId, subject }`: never key material. */
  [inspect.custom]() {
    return `Identity { mspId: ${inspect(this.mspId)}, subject: ${inspect(this.subject)} }`;
  }
}

/**
 * Identities stored by label: the base of InMemoryWallet and FileWallet. Every method returns
 * a promise, so that the two can stand for each other.
 */
class Wallet {
  #native;

  static {
    walletNativeOf = (wallet) => wallet.#native;
  }

  /** @internal */
  constructor(inner) {
    if (!(inner instanceof native.Wallet)) throw new TypeError('use new InMemoryWallet() or new FileWallet(path)');
    this.#native = inner;
  }

  /**
   * Stores `identity` under `label`, replacing any stored there. Rejects with IdentityError for
   * an invalid label and for an identity a wallet cannot hold (an external signer's, or one
   * whose key was loaded encrypted or as DER).
   */
  async put(label, identity) {
    checkString('label', label);
    if (!(identity instanceof Identity)) throw typeError(`identity must be an Identity, not ${describe(identity)}`);
    await call(() => this.#native.put(label, nativeOf(identity)));
  }

  /** The identity stored under `label`, or null; rejects with IdentityError when it does not load. */
  async get(label) {
    checkString('label', label);
    const got = await call(() => this.#native.get(label));
    return got ? new Identity(got) : null;
  }

  /** Removes the identity stored under `label`; resolves to whether there was one. */
  async remove(label) {
    checkString('label', label);
    return call(() => this.#native.remove(label));
  }

  /** The labels of the stored identities, sorted. */
  async list() {
    return call(() => this.#native.list());
  }
}

/** A wallet in memory, lost with the object. */
class InMemoryWallet extends Wallet {
  constructor() {
    super(native.Wallet.inMemory());
  }
}

/**
 * A wallet in a folder, one `<label>.id` file per identity in fabric-network's format (also
 * read by the Rust SDK and the Python binding). With `passphrase`, keys are written encrypted
 * (PBKDF2-HMAC-SHA256 over `pbkdf2Iterations` rounds, AES-256-CBC) and decrypted by `get`.
 */
class FileWallet extends Wallet {
  constructor(path, options) {
    checkString('path', path);
    checkOptions('FileWallet', options, ['passphrase', 'pbkdf2Iterations']);
    if (options?.passphrase !== undefined) checkBytes('passphrase', options.passphrase);
    super(sync(() => native.Wallet.inFolder(path, options)));
  }

  /** The wallet's folder. */
  get path() {
    return walletNativeOf(this).path;
  }

  /** Whether keys are written encrypted (the wallet was opened with a passphrase). */
  get encryptsKeys() {
    return walletNativeOf(this).encryptsKeys;
  }

  /** The PBKDF2 rounds of the keys this wallet encrypts. */
  get pbkdf2Iterations() {
    return walletNativeOf(this).pbkdf2Iterations;
  }

  /** The file that holds (or would hold) `label`: `<path>/<label>.id`. Throws IdentityError for an invalid label. */
  pathOf(label) {
    checkString('label', label);
    return sync(() => walletNativeOf(this).pathOf(label));
  }

  /** `FileWallet { path }`, with whether keys are encrypted; never the passphrase. */
  [inspect.custom]() {
    return `FileWallet { path: ${inspect(this.path)}, encryptsKeys: ${this.encryptsKeys} }`;
  }
}

/** Gives this file the addon (index.js loads it). */
function init(addon) {
  native = addon;
}

module.exports = { init, Identity, Wallet, InMemoryWallet, FileWallet, nativeOf: (i) => nativeOf(i) };
