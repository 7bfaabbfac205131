'use strict';
// Event streams (contract.chaincodeEvents(), network.blockEvents()) and checkpointers. The
// addon's streams (src/events.rs) do the work; EventStream makes them AsyncIterables with
// close(), and this file checks options and positions before they reach the addon.

const path = require('node:path');
const { fromNative, typeError } = require('./errors.js');

// Loaded by index.js first (which explains a missing addon); this is the same module.
const native = require(path.join(__dirname, 'fabweave.node'));

const asyncDispose = Symbol.asyncDispose ?? Symbol.for('nodejs.asyncDispose');

/** Marks the constructor calls of this file: streams and block events are not made by users. */
const INTERNAL = Symbol('fabweave.internal');

const KINDS = ['full', 'filtered', 'withPrivateData'];
const STARTS = ['newest', 'oldest', 'nextCommit'];
const OPTIONS = {
  chaincodeEvents: ['eventName', 'start', 'checkpointer', 'kind', 'giveUpAfter'],
  blockEvents: ['kind', 'start', 'checkpointer', 'giveUpAfter'],
};

function describe(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return `an instance of ${value.constructor?.name ?? 'Object'}`;
  return `type ${typeof value}`;
}

function isObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isBlockNumber(value) {
  return Number.isSafeInteger(value) && value >= 0;
}

/** A checkpoint object as the addon takes it, checked. */
function checkpointOf(value, what) {
  if (!isObject(value)) throw typeError(`${what} must be a checkpoint object, not ${describe(value)}`);
  const { blockNumber, txIndex, txId } = value;
  if (!isBlockNumber(blockNumber)) {
    throw typeError(`${what}.blockNumber must be a non-negative integer, not ${describe(blockNumber)}`);
  }
  if (txIndex !== undefined && txIndex !== null && !(Number.isInteger(txIndex) && txIndex >= 0 && txIndex <= 0xffffffff)) {
    throw typeError(`${what}.txIndex must be a non-negative integer or null, not ${describe(txIndex)}`);
  }
  if (txId !== undefined && txId !== null && typeof txId !== 'string') {
    throw typeError(`${what}.txId must be a string or null, not ${describe(txId)}`);
  }
  // The addon takes absent fields, not nulls.
  const position = { blockNumber };
  if (txIndex !== undefined && txIndex !== null) position.txIndex = txIndex;
  if (txId !== undefined && txId !== null) position.txId = txId;
  return position;
}

/** A checkpoint from the addon, with null for what it does not hold. */
function checkpointFrom(c) {
  if (c === null || c === undefined) return null;
  return { blockNumber: c.blockNumber, txIndex: c.txIndex ?? null, txId: c.txId ?? null };
}

/**
 * The checkpoint an event read from a stream stands for: a BlockEvent (its whole block), a
 * chaincode event (its transaction), or a checkpoint object.
 */
function positionOf(event, what = 'event') {
  if (event instanceof BlockEvent) return { blockNumber: event.number };
  if (isObject(event) && typeof event.eventName === 'string') {
    if (event.txIndex === null || event.txIndex === undefined) {
      throw typeError(
        `this chaincode event has no transaction index (events of Committed.events have none): ` +
          'acknowledge events read from a stream, or a checkpoint',
        'ERR_INVALID_ARG_VALUE',
      );
    }
    return checkpointOf(event, what);
  }
  return checkpointOf(event, what);
}

let nativeCheckpointer;

/**
 * Where a stream's application got to, kept across streams: InMemoryCheckpointer or
 * FileCheckpointer (this base class is not constructible itself).
 */
class Checkpointer {
  #native;

  /** @internal */
  constructor(inner) {
    if (!(inner instanceof native.Checkpointer)) {
      throw new TypeError('use new InMemoryCheckpointer() or new FileCheckpointer(path)');
    }
    this.#native = inner;
  }

  static {
    nativeCheckpointer = (c) => c.#native;
  }

  /** The last position recorded, or null. */
  get checkpoint() {
    try {
      return checkpointFrom(this.#native.checkpoint);
    } catch (e) {
      throw fromNative(e);
    }
  }

  /** Records `position` (a checkpoint, or an event read from a stream) as the last processed. */
  async save(position) {
    const p = positionOf(position, 'position');
    try {
      await this.#native.save(p);
    } catch (e) {
      throw fromNative(e);
    }
  }
}

/** A checkpointer in memory: survives closing and reopening a stream in this process. */
class InMemoryCheckpointer extends Checkpointer {
  /** An empty checkpointer. */
  constructor() {
    super(native.Checkpointer.inMemory());
  }
}

/**
 * A checkpointer in a small JSON file, replaced atomically on each save: a restarted process
 * opening the same file resumes after the last event it recorded.
 */
class FileCheckpointer extends Checkpointer {
  #path;

  /** Reads the checkpoint at `path`; a missing file is empty and created on the first save. */
  constructor(file) {
    if (typeof file !== 'string' || file === '') {
      throw typeError(`a checkpoint file path must be a non-empty string, not ${describe(file)}`);
    }
    let inner;
    try {
      inner = native.Checkpointer.openFile(file);
    } catch (e) {
      throw fromNative(e);
    }
    super(inner);
    this.#path = file;
  }

  /** The checkpoint file. */
  get path() {
    return this.#path;
  }
}

/** One block of a block event stream. */
class BlockEvent {
  /** @internal Made by a block event stream. */
  constructor(token, data) {
    if (token !== INTERNAL) throw new TypeError('block events come from network.blockEvents()');
    this.number = data.number;
    this.kind = data.kind;
    this.transactions = data.transactions;
    this.chaincodeEvents = data.chaincodeEvents;
    this.bytes = data.bytes;
  }

  /**
   * The block decoded for people (number, hash, previousHash, dataHash, metadata, and
   * transactions with their calls, read/write sets, events and endorsers); null for filtered
   * blocks, which are not full blocks.
   */
  decode() {
    if (this.kind === 'filtered') return null;
    try {
      return native.decodeBlock(this.bytes);
    } catch (e) {
      throw fromNative(e);
    }
  }
}

/**
 * A stream of events: an AsyncIterable (`for await (const e of stream)`) that ends after
 * close(), or rejects with the error it cannot recover from. Leaving a for-await loop early
 * (break, return, throw) closes it, as does `await using`.
 */
class EventStream {
  #native;
  #convert;

  /** @internal Made by contract.chaincodeEvents() and network.blockEvents(). */
  constructor(token, inner, convert) {
    if (token !== INTERNAL) {
      throw new TypeError('streams are opened by contract.chaincodeEvents() and network.blockEvents()');
    }
    this.#native = inner;
    this.#convert = convert;
  }

  /** The next event as an iterator result; `{ done: true }` at the end or once closed. */
  async next() {
    let item;
    try {
      item = await this.#native.next();
    } catch (e) {
      throw fromNative(e);
    }
    if (item === null || item === undefined) return { done: true, value: undefined };
    return { done: false, value: this.#convert(item) };
  }

  /** Closes the stream (called by for-await when a loop is left early). */
  async return() {
    await this.close();
    return { done: true, value: undefined };
  }

  /** The stream itself. */
  [Symbol.asyncIterator]() {
    return this;
  }

  /**
   * Records `event` (read from this stream, or a checkpoint) as processed in the stream's
   * checkpointer; nothing without one. Call it after processing the event.
   */
  async ack(event) {
    const position = positionOf(event);
    try {
      await this.#native.ack(position);
    } catch (e) {
      throw fromNative(e);
    }
  }

  /**
   * Stops reading: the peer's deliver stream ends, and a next() in progress resolves to
   * `{ done: true }`. Closing twice is harmless.
   */
  async close() {
    this.#native.close();
  }

  /** Whether close() was called. */
  get closed() {
    return this.#native.closed;
  }

  /** The peer the stream reads from now, while connected; else null. */
  get peer() {
    return this.#native.peer ?? null;
  }

  /** How many deliver streams were opened so far (1 until a reconnection). */
  get sessions() {
    return this.#native.sessions;
  }

  /** The last error a peer's stream ended with (kept after the stream recovered), or null. */
  get lastError() {
    const encoded = this.#native.lastError;
    return encoded === null || encoded === undefined ? null : fromNative(new Error(encoded));
  }

  /** The channel. */
  get channel() {
    return this.#native.channel;
  }

  /** `await using stream = await contract.chaincodeEvents()` closes it at the end of the block. */
  async [asyncDispose]() {
    await this.close();
  }
}

/** Checks a stream's options; the options for the addon, and the native checkpointer. */
function streamOptions(what, options) {
  if (options === undefined) return { options: undefined, checkpointer: undefined };
  if (!isObject(options)) throw typeError(`${what} options must be an object, not ${describe(options)}`);
  for (const key of Object.keys(options)) {
    if (!OPTIONS[what].includes(key)) {
      throw typeError(`unknown ${what} option '${key}': use ${OPTIONS[what].join(', ')}`, 'ERR_INVALID_ARG_VALUE');
    }
  }
  const { checkpointer, start, kind, eventName, giveUpAfter } = options;
  const out = {};
  if (kind !== undefined) {
    if (typeof kind !== 'string') throw typeError(`kind must be a string, not ${describe(kind)}`);
    if (!KINDS.includes(kind)) {
      throw typeError(`kind must be one of ${KINDS.map((k) => `'${k}'`).join(', ')}, not '${kind}'`, 'ERR_INVALID_ARG_VALUE');
    }
    out.kind = kind;
  }
  if (start !== undefined) {
    if (typeof start === 'string') {
      if (!STARTS.includes(start)) {
        throw typeError(
          `start must be 'newest', 'oldest', 'nextCommit', a block number or a checkpoint, not '${start}'`,
          'ERR_INVALID_ARG_VALUE',
        );
      }
      out.start = start;
    } else if (typeof start === 'number') {
      if (!isBlockNumber(start)) {
        throw typeError(`start must be a non-negative integer block number, not ${start}`, 'ERR_INVALID_ARG_VALUE');
      }
      out.start = start;
    } else if (isObject(start)) {
      out.start = checkpointOf(start, 'start');
    } else {
      throw typeError(
        `start must be 'newest', 'oldest', 'nextCommit', a block number or a checkpoint, not ${describe(start)}`,
      );
    }
  }
  if (eventName !== undefined) {
    if (typeof eventName !== 'string') throw typeError(`eventName must be a string, not ${describe(eventName)}`);
    out.eventName = eventName;
  }
  if (giveUpAfter !== undefined) {
    if (typeof giveUpAfter !== 'number') throw typeError(`giveUpAfter must be a number of seconds, not ${describe(giveUpAfter)}`);
    out.giveUpAfter = giveUpAfter;
  }
  let inner;
  if (checkpointer !== undefined && checkpointer !== null) {
    if (!(checkpointer instanceof Checkpointer)) {
      throw typeError(
        `checkpointer must be an InMemoryCheckpointer or FileCheckpointer, not ${describe(checkpointer)}`,
      );
    }
    inner = nativeCheckpointer(checkpointer);
  }
  return { options: out, checkpointer: inner };
}

/**
 * The streams each native client opened (weakly held: a stream dropped without close() is
 * still collected), for `client.close()` to close.
 */
const opened = new WeakMap();

/** Remembers `stream` as opened on `client`. */
function track(client, stream) {
  let refs = opened.get(client);
  if (!refs) {
    refs = new Set();
    opened.set(client, refs);
  }
  for (const ref of refs) {
    const s = ref.deref();
    if (s === undefined || s.closed) refs.delete(ref);
  }
  refs.add(new WeakRef(stream));
  return stream;
}

/** Closes every stream still open on `client` (for `client.close()`). */
async function closeStreamsOf(client) {
  const refs = opened.get(client);
  opened.delete(client);
  for (const ref of refs ?? []) await ref.deref()?.close();
}

const toBlockEvent = (data) => new BlockEvent(INTERNAL, data);
const asIs = (event) => event;

/** contract.chaincodeEvents(options): opens the stream on the addon's client. */
async function chaincodeEvents(client, channel, contract, options) {
  const o = streamOptions('chaincodeEvents', options);
  let inner;
  try {
    inner = await client.chaincodeEvents(channel, contract, o.options, o.checkpointer);
  } catch (e) {
    throw fromNative(e);
  }
  return track(client, new EventStream(INTERNAL, inner, asIs));
}

/** network.blockEvents(options): opens the stream on the addon's client. */
async function blockEvents(client, channel, options) {
  const o = streamOptions('blockEvents', options);
  let inner;
  try {
    inner = await client.blockEvents(channel, o.options, o.checkpointer);
  } catch (e) {
    throw fromNative(e);
  }
  return track(client, new EventStream(INTERNAL, inner, toBlockEvent));
}

module.exports = {
  EventStream,
  BlockEvent,
  Checkpointer,
  InMemoryCheckpointer,
  FileCheckpointer,
  chaincodeEvents,
  closeStreamsOf,
  blockEvents,
};
