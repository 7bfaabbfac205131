'use strict';
// fabweave for Node.js (CommonJS; index.mjs re-exports it for ESM). The native addon does the
// work; this file gives it its public shape (Client, Network, Contract), checks argument types,
// and turns the addon's errors into the classes of errors.js.

const path = require('node:path');
const errors = require('./errors.js');

const { fromNative, attemptsFrom, typeError } = errors;

let native;
try {
  native = require(path.join(__dirname, 'fabweave.node'));
} catch (e) {
  throw new Error(
    `fabweave: cannot load the native addon ${path.join(__dirname, 'fabweave.node')} (${e.message}); ` +
      "it is built by the package's install script: run `npm install` in the package again",
    { cause: e },
  );
}

const events = require('./events.js');
const ca = require('./ca.js');
const ledger = require('./ledger.js');
const identity = require('./identity.js');
const steps = require('./steps.js');
const logs = require('./logs.js');

identity.init(native);
steps.init(native);
logs.init(native);

const asyncDispose = Symbol.asyncDispose ?? Symbol.for('nodejs.asyncDispose');

/** Runs a call of the addon, turning what it throws or rejects with into fabweave's errors. */
async function call(fn) {
  try {
    return await fn();
  } catch (e) {
    throw fromNative(e);
  }
}

const OPTIONS = {
  connect: [
    'profile', 'user', 'passphrase', 'mode', 'commitStrategy', 'queryStrategy', 'timeouts',
    'retry', 'discovery', 'asLocalhost', 'verifyEndorsements', 'cryptoSuite',
    'identity',
  ],
  submit: [
    'args', 'transient', 'endorsingOrgs', 'endorsingPeers', 'collections', 'callsChaincodes',
    'commitStrategy', 'retry', 'endorseTimeout', 'submitTimeout', 'commitTimeout',
  ],
  evaluate: ['args', 'transient', 'peers', 'timeout'],
  contract: ['hotKeyScheduling', 'endorsementPolicy'],
  newProposal: [
    'args', 'transient', 'endorsingOrgs', 'endorsingPeers', 'collections', 'callsChaincodes',
    'commitStrategy', 'endorseTimeout', 'submitTimeout', 'commitTimeout',
  ],
};

/** Checks an options object: a plain object (or undefined) with known keys only. */
function checkOptions(what, options, required = false) {
  if (options === undefined && !required) return undefined;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw typeError(`${what} options must be an object, not ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!OPTIONS[what].includes(key)) {
      throw typeError(
        `unknown ${what} option '${key}': use ${OPTIONS[what].join(', ')}`,
        'ERR_INVALID_ARG_VALUE',
      );
    }
  }
  return options;
}

function describe(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return `an instance of ${value.constructor?.name ?? 'Object'}`;
  return `type ${typeof value}`;
}

function isBytes(value) {
  return typeof value === 'string' || value instanceof Uint8Array;
}

/** Checks `args` (strings, Buffers, Uint8Arrays) and `transient` (their values likewise). */
function checkPayloads(options) {
  if (!options) return;
  const { args, transient } = options;
  if (args !== undefined) {
    if (!Array.isArray(args)) throw typeError(`args must be an array, not ${describe(args)}`);
    args.forEach((a, i) => {
      if (!isBytes(a)) {
        throw typeError(`args[${i}] must be a string, Buffer or Uint8Array, not ${describe(a)}`);
      }
    });
  }
  if (transient !== undefined) {
    if (transient === null || typeof transient !== 'object' || Array.isArray(transient)) {
      throw typeError(`transient must be an object, not ${describe(transient)}`);
    }
    for (const [k, v] of Object.entries(transient)) {
      if (!isBytes(v)) {
        throw typeError(`transient['${k}'] must be a string, Buffer or Uint8Array, not ${describe(v)}`);
      }
    }
  }
}

function checkName(what, name) {
  if (typeof name !== 'string' || name === '') {
    throw typeError(`${what} must be a non-empty string, not ${describe(name)}`);
  }
}

/**
 * Connects to a Fabric network as `options.user` of the profile's organization, or as
 * `options.identity`.
 * @param {import('./index').ConnectOptions} options
 * @returns {Promise<Client>}
 */
async function connect(options) {
  checkOptions('connect', options, true);
  if (options.profile === undefined) throw typeError('connect needs options.profile (a file path)');
  if (options.passphrase !== undefined && !isBytes(options.passphrase)) {
    throw typeError(`passphrase must be a string, Buffer or Uint8Array, not ${describe(options.passphrase)}`);
  }
  if (options.identity !== undefined) {
    if (!(options.identity instanceof identity.Identity)) {
      throw typeError(`identity must be an Identity, not ${describe(options.identity)}`);
    }
    options = { ...options, identity: identity.nativeOf(options.identity) };
  }
  const inner = await call(() => native.connect(options));
  return new Client(inner);
}

/** A connection to a Fabric network as one identity. */
class Client {
  #native;

  /** @internal Made by connect(). */
  constructor(inner) {
    if (!(inner instanceof native.Client)) throw new TypeError('use connect() to make a Client');
    this.#native = inner;
  }

  /** A channel. */
  network(name) {
    checkName('a channel name', name);
    try {
      this.#native.ensureOpen();
    } catch (e) {
      throw fromNative(e);
    }
    return new Network(this.#native, name);
  }

  /** The MSP ID of the client's identity. */
  get mspId() {
    try {
      return this.#native.mspId;
    } catch (e) {
      throw fromNative(e);
    }
  }

  /** 'gateway' or 'client': which flow carried the last call, or null before any. */
  get lastVia() {
    try {
      return this.#native.lastVia ?? null;
    } catch (e) {
      throw fromNative(e);
    }
  }

  /** Whether close() was called. */
  get closed() {
    return this.#native.closed;
  }

  /** Closes the client's connections; later calls fail with code FABWEAVE_CLOSED. */
  async close() {
    await events.closeStreamsOf(this.#native);
    await call(() => this.#native.close());
  }

  /** `await using client = await connect(...)` closes it at the end of the block. */
  async [asyncDispose]() {
    await this.close();
  }
}

/** A channel of the network. */
class Network {
  #native;
  #name;

  /** @internal Made by Client.network(). */
  constructor(inner, name) {
    this.#native = inner;
    this.#name = name;
  }

  /** The channel's name. */
  get name() {
    return this.#name;
  }

  /**
   * A chaincode on this channel. `options.hotKeyScheduling` sends submits that touch the same
   * keys one after another instead of racing into read conflicts; `options.endorsementPolicy`
   * (e.g. "AND('Org1MSP.peer','Org2MSP.peer')") plans endorsements where discovery is off or no
   * peer answers it (a malformed policy throws ProfileError here).
   */
  contract(name, options) {
    checkName('a chaincode name', name);
    checkOptions('contract', options);
    if (options?.hotKeyScheduling !== undefined && typeof options.hotKeyScheduling !== 'boolean') {
      throw typeError(`hotKeyScheduling must be a boolean, not ${describe(options.hotKeyScheduling)}`);
    }
    if (options?.endorsementPolicy !== undefined && typeof options.endorsementPolicy !== 'string') {
      throw typeError(`endorsementPolicy must be a string, not ${describe(options.endorsementPolicy)}`);
    }
    const plan = options ? { ...options } : undefined;
    try {
      this.#native.checkContract(plan ?? {});
    } catch (e) {
      throw fromNative(e);
    }
    return new Contract(this.#native, this.#name, name, plan);
  }

  /**
   * What the client knows of the channel, from the profile and (once asked) discovery:
   * `{ peers: [{ name, mspId, address, height, chaincodes, discovered }], orderers: [{ name,
   * address }], msps }`.
   */
  async view() {
    return call(() => this.#native.view(this.#name));
  }

  /** Asks discovery again now and resolves to the new view (see view()). */
  async refresh() {
    return call(() => this.#native.refresh(this.#name));
  }

  /** Opens a stream of this channel's blocks (see events.js). */
  blockEvents(options) {
    return events.blockEvents(this.#native, this.#name, options);
  }

  /** The channel's ledger: chain info, blocks and transactions (qscc), channels of a peer (cscc). */
  ledger(options) {
    return ledger.openLedger(this.#native, this.#name, options);
  }
}

/** A chaincode on a channel. */
class Contract {
  #native;
  #channel;
  #name;

  #options;

  /** @internal Made by Network.contract(). */
  constructor(inner, channel, name, options) {
    this.#native = inner;
    this.#channel = channel;
    this.#name = name;
    this.#options = options;
  }

  /** The chaincode's name. */
  get name() {
    return this.#name;
  }

  /** The channel's name. */
  get channel() {
    return this.#channel;
  }

  /** Endorses, orders and waits for the commit of `fn(...options.args)`. */
  async submit(fn, options) {
    checkName('a function name', fn);
    checkOptions('submit', options);
    checkPayloads(options);
    const done = await call(() => this.#native.submit(this.#channel, this.#name, fn, options, this.#options));
    done.attempts = attemptsFrom(done.attempts);
    return done;
  }

  /** Evaluates (queries) `fn(...options.args)` on one peer; resolves to its payload. */
  async evaluate(fn, options) {
    checkName('a function name', fn);
    checkOptions('evaluate', options);
    checkPayloads(options);
    return call(() => this.#native.evaluate(this.#channel, this.#name, fn, options, this.#options));
  }

  /** Opens a stream of the events this chaincode emits (see events.js). */
  chaincodeEvents(options) {
    return events.chaincodeEvents(this.#native, this.#channel, this.#name, options);
  }

  /** Builds the proposal of `fn(...options.args)` for signing elsewhere (see steps.js). */
  newProposal(fn, options) {
    checkName('a function name', fn);
    checkOptions('newProposal', options);
    checkPayloads(options);
    return steps.newProposal(this.#native, this.#channel, this.#name, fn, options, this.#options);
  }
}

module.exports = {
  connect,
  setLogHandler: logs.setLogHandler,
  Client,
  Network,
  Contract,
  CaClient: ca.CaClient,
  Enrollment: ca.Enrollment,
  Ledger: ledger.Ledger,
  Identity: identity.Identity,
  Wallet: identity.Wallet,
  InMemoryWallet: identity.InMemoryWallet,
  FileWallet: identity.FileWallet,
  Proposal: steps.Proposal,
  Transaction: steps.Transaction,
  Submitted: steps.Submitted,
  FabweaveError: errors.FabweaveError,
  ProfileError: errors.ProfileError,
  IdentityError: errors.IdentityError,
  CryptoError: errors.CryptoError,
  TransportError: errors.TransportError,
  DiscoveryError: errors.DiscoveryError,
  EndorseError: errors.EndorseError,
  SubmitError: errors.SubmitError,
  CommitError: errors.CommitError,
  TimeoutError: errors.TimeoutError,
  IndeterminateError: errors.IndeterminateError,
  ProtocolError: errors.ProtocolError,
  CaError: errors.CaError,
  CheckpointError: errors.CheckpointError,
  EventStream: events.EventStream,
  BlockEvent: events.BlockEvent,
  Checkpointer: events.Checkpointer,
  InMemoryCheckpointer: events.InMemoryCheckpointer,
  FileCheckpointer: events.FileCheckpointer,
};
