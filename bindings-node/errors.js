'use strict';
// The one JavaScript file that knows fabweave's error classes: the addon (src/error.rs) rejects
// with a JSON object {code, message, fields, attempts?}, and fromNative() turns it into the class
// for its code, with its fields as properties.

/** Base class of every fabweave error: `code`, `kind`, `retryable`, `transactionId`. */
class FabweaveError extends Error {
  constructor(message, fields = {}, options = undefined) {
    super(message, options);
    this.code = 'FABWEAVE_ERROR';
    this.kind = null;
    this.retryable = false;
    this.transactionId = null;
    Object.assign(this, fields);
  }

  get name() {
    return this.constructor.name;
  }
}

/** A connection profile could not be read or is inconsistent (file, key, line, column, problem). */
class ProfileError extends FabweaveError {}
/** An identity could not be loaded or used (file, problem). */
class IdentityError extends FabweaveError {}
/** A cryptographic operation failed (reason). */
class CryptoError extends FabweaveError {}
/** A connection could not be made or broke (endpoint, reason). */
class TransportError extends FabweaveError {}
/** Service discovery could not say which peers to use (channel, peers, reason). */
class DiscoveryError extends FabweaveError {}
/** Endorsement or evaluation failed (transactionId, reason, details: one entry per peer). */
class EndorseError extends FabweaveError {}
/** No orderer accepted the transaction (transactionId, orderer, status, reason, details). */
class SubmitError extends FabweaveError {}
/** The transaction was ordered but is invalid (transactionId, validationCode, validationCodeName, blockNumber). */
class CommitError extends FabweaveError {}
/** A stage ran out of time (stage, after in seconds, waitingFor, transactionId). */
class TimeoutError extends FabweaveError {}
/** A transaction's outcome is unknown; it was not sent again (transactionId, stage, reason). */
class IndeterminateError extends FabweaveError {}
/** A peer or orderer answered with something malformed (endpoint, reason). */
class ProtocolError extends FabweaveError {}
/** A Fabric CA refused a request (url, status, caCode, reason, hint). */
class CaError extends FabweaveError {}
/** An event checkpoint could not be read or written (file, reason). */
class CheckpointError extends FabweaveError {}

/** The class of each code the addon sends. */
const CLASSES = {
  FABWEAVE_ERROR: FabweaveError,
  FABWEAVE_CLOSED: FabweaveError,
  FABWEAVE_PROFILE: ProfileError,
  FABWEAVE_NO_GATEWAY: ProfileError,
  FABWEAVE_IDENTITY: IdentityError,
  FABWEAVE_CRYPTO: CryptoError,
  FABWEAVE_TRANSPORT: TransportError,
  FABWEAVE_EVENTS_UNAVAILABLE: TransportError,
  FABWEAVE_DISCOVERY: DiscoveryError,
  FABWEAVE_ENDORSE: EndorseError,
  FABWEAVE_SUBMIT: SubmitError,
  FABWEAVE_COMMIT: CommitError,
  FABWEAVE_TIMEOUT: TimeoutError,
  FABWEAVE_INDETERMINATE: IndeterminateError,
  FABWEAVE_PROTOCOL: ProtocolError,
  FABWEAVE_CA: CaError,
  FABWEAVE_CHECKPOINT: CheckpointError,
};

/** napi-rs's codes for a JavaScript value of the wrong type. */
const NAPI_TYPE_CODES = new Set([
  'InvalidArg',
  'ObjectExpected',
  'StringExpected',
  'NameExpected',
  'FunctionExpected',
  'NumberExpected',
  'BooleanExpected',
  'ArrayExpected',
  'BigintExpected',
]);

/** A TypeError with a Node-style code. */
function typeError(message, code = 'ERR_INVALID_ARG_TYPE') {
  const e = new TypeError(message);
  e.code = code;
  return e;
}

/** The attempts of a submit: [{txId, blockNumber, error}] with errors as objects. */
function attemptsFrom(list) {
  return (list || []).map((a) => ({
    txId: a.txId,
    blockNumber: a.blockNumber ?? null,
    error: a.error ? fromPlain(a.error) : null,
  }));
}

/** The error for one {code, message, fields, attempts?} object of the addon. */
function fromPlain(plain, options) {
  if (plain.code === 'ERR_INVALID_ARG_VALUE') return typeError(plain.message, plain.code);
  const Class = CLASSES[plain.code] || FabweaveError;
  const err = new Class(plain.message, { ...plain.fields, code: plain.code }, options);
  if (plain.attempts) {
    // A retried submit: every attempt, the failed ones chained through `cause`, and this error
    // (the last attempt's) standing for the last one.
    const attempts = attemptsFrom(plain.attempts);
    let previous;
    for (const a of attempts) {
      if (!a.error) continue;
      if (previous && a.error.cause === undefined) a.error.cause = previous;
      previous = a.error;
    }
    const last = attempts[attempts.length - 1];
    if (last && last.error) {
      if (last.error.cause !== undefined) err.cause = last.error.cause;
      last.error = err;
    }
    err.attempts = attempts;
  }
  return err;
}

/** The error to throw for whatever the addon threw or rejected with. */
function fromNative(e) {
  if (e && typeof e.message === 'string' && e.message.startsWith('{"code":"')) {
    let plain;
    try {
      plain = JSON.parse(e.message);
    } catch {
      return e;
    }
    return fromPlain(plain);
  }
  if (e && NAPI_TYPE_CODES.has(e.code) && !(e instanceof TypeError)) {
    return typeError(e.message);
  }
  return e;
}

module.exports = {
  FabweaveError,
  ProfileError,
  IdentityError,
  CryptoError,
  TransportError,
  DiscoveryError,
  EndorseError,
  SubmitError,
  CommitError,
  TimeoutError,
  IndeterminateError,
  ProtocolError,
  CaError,
  CheckpointError,
  fromNative,
  attemptsFrom,
  typeError,
};
