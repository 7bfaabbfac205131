'use strict';
// The step-by-step submit (src/steps.rs), for signing outside fabweave: Contract.newProposal
// gives a Proposal; each step hands out the exact bytes to sign (`bytes`) and takes the
// signature of those bytes: ECDSA P-256 over their SHA-256, DER-encoded, made with the key of
// the client's identity (a high S is lowered; a signature that does not verify with the
// identity's certificate is refused with a CryptoError before anything is sent).

const { inspect } = require('node:util');
const { FabweaveError, fromNative, attemptsFrom, typeError } = require('./errors.js');

let native;

async function call(fn) {
  try {
    return await fn();
  } catch (e) {
    throw fromNative(e);
  }
}

function checkSignature(signature) {
  if (!(signature instanceof Uint8Array)) {
    const what = signature === null ? 'null' : typeof signature === 'object' ? `an instance of ${signature.constructor?.name ?? 'Object'}` : `type ${typeof signature}`;
    throw typeError(`signature must be a Buffer or Uint8Array (the DER-encoded signature), not ${what}`);
  }
}

/** Marks a step used, or throws the FabweaveError saying it already was. */
function use(step, what, steps) {
  if (step.used) {
    throw new FabweaveError(
      `this ${what} was already used (${steps} runs once, whether it succeeded or not); start again with Contract.newProposal`,
    );
  }
  step.used = true;
}

/** The proposal of a submit, to sign. Made by `Contract.newProposal`. */
class Proposal {
  #native;
  #state = { used: false };

  /** @internal */
  constructor(inner) {
    if (!(inner instanceof native.Proposal)) throw new TypeError('use Contract.newProposal()');
    this.#native = inner;
  }

  /** The transaction id. */
  get txId() {
    return this.#native.txId;
  }

  /** The bytes to sign (the serialized proposal). */
  get bytes() {
    return this.#native.bytes;
  }

  /** Whether evaluate or endorse was called. */
  get used() {
    return this.#state.used;
  }

  /** Evaluates the signed proposal on one peer; resolves to the chaincode's payload. Uses up the proposal. */
  async evaluate(signature) {
    checkSignature(signature);
    use(this.#state, 'Proposal', 'evaluate or endorse');
    return call(() => this.#native.evaluate(signature));
  }

  /** Sends the signed proposal for endorsement; resolves to the Transaction to sign. Uses up the proposal. */
  async endorse(signature) {
    checkSignature(signature);
    use(this.#state, 'Proposal', 'evaluate or endorse');
    return new Transaction(await call(() => this.#native.endorse(signature)));
  }

  [inspect.custom]() {
    return `Proposal { txId: '${this.txId}'${this.used ? ', used' : ''} }`;
  }
}

/** An endorsed transaction, to sign. Made by `Proposal.endorse`. */
class Transaction {
  #native;
  #state = { used: false };

  /** @internal */
  constructor(inner) {
    if (!(inner instanceof native.Transaction)) throw new TypeError('use Proposal.endorse()');
    this.#native = inner;
  }

  /** The transaction id. */
  get txId() {
    return this.#native.txId;
  }

  /** The bytes to sign (the transaction's serialized payload). */
  get bytes() {
    return this.#native.bytes;
  }

  /** The chaincode's response payload, as endorsed. */
  get result() {
    return this.#native.result;
  }

  /** 'gateway' or 'client': which flow endorsed the transaction and will submit it. */
  get via() {
    return this.#native.via;
  }

  /** Whether submit was called. */
  get used() {
    return this.#state.used;
  }

  /** Sends the signed transaction to the orderer; resolves to Submitted. Uses up the transaction. */
  async submit(signature) {
    checkSignature(signature);
    use(this.#state, 'Transaction', 'submit');
    return new Submitted(await call(() => this.#native.submit(signature)));
  }

  [inspect.custom]() {
    return `Transaction { txId: '${this.txId}', via: '${this.via}'${this.used ? ', used' : ''} }`;
  }
}

/** A transaction the orderer accepted. Made by `Transaction.submit`. */
class Submitted {
  #native;
  #state = { used: false };

  /** @internal */
  constructor(inner) {
    if (!(inner instanceof native.Submitted)) throw new TypeError('use Transaction.submit()');
    this.#native = inner;
  }

  /** The transaction id. */
  get txId() {
    return this.#native.txId;
  }

  /** The chaincode's response payload, as endorsed. */
  get result() {
    return this.#native.result;
  }

  /** The peers whose endorsements the transaction carries. */
  get endorsers() {
    return this.#native.endorsers;
  }

  /** 'gateway' or 'client': which flow submitted the transaction and reports its commit. */
  get via() {
    return this.#native.via;
  }

  /** Whether status was called. */
  get used() {
    return this.#state.used;
  }

  /**
   * Waits for the commit as the commit strategy says; resolves to what `Contract.submit`
   * resolves to. An invalid transaction rejects with CommitError, an unknown outcome with
   * IndeterminateError. Can be called once.
   */
  async status() {
    use(this.#state, 'Submitted', 'status');
    const done = await call(() => this.#native.status());
    done.attempts = attemptsFrom(done.attempts);
    return done;
  }

  [inspect.custom]() {
    return `Submitted { txId: '${this.txId}', via: '${this.via}'${this.used ? ', used' : ''} }`;
  }
}

/** @internal The Proposal of `fn` on a contract (index.js checks the arguments). */
function newProposal(client, channel, contract, fn, options, contractOptions) {
  try {
    return new Proposal(native.newProposal(client, channel, contract, fn, options, contractOptions));
  } catch (e) {
    throw fromNative(e);
  }
}

/** Gives this file the addon (index.js loads it). */
function init(addon) {
  native = addon;
}

module.exports = { init, newProposal, Proposal, Transaction, Submitted };
