'use strict';
// network.ledger(): a channel's ledger as the peers' query system chaincode (qscc) shows it, and
// the channels a peer joined (cscc). The addon (src/ledger.rs) asks and decodes; this file
// checks arguments and maps errors (errors.js).

const path = require('node:path');
const { inspect } = require('node:util');
const { fromNative, typeError } = require('./errors.js');

// Loaded (and its absence explained) by index.js first; this is the cached module.
const native = require(path.join(__dirname, 'fabweave.node'));

const OPTIONS = ['timeout', 'peers'];

function describe(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return `an instance of ${value.constructor?.name ?? 'Object'}`;
  return `type ${typeof value}`;
}

async function call(fn) {
  try {
    return await fn();
  } catch (e) {
    throw fromNative(e);
  }
}

function checkString(what, value) {
  if (typeof value !== 'string' || value === '') {
    throw typeError(`${what} must be a non-empty string, not ${describe(value)}`);
  }
}

/**
 * The ledger of one channel: chain info, blocks and transactions (qscc), and the channels a
 * peer joined (cscc). Each query goes to one peer (the client's organization first), moving
 * on to the next when a peer fails. Blocks and transactions are plain objects as sdk-core
 * decodes them; what a peer's ledger does not have is `null`.
 */
class Ledger {
  #native;

  /** @internal Made by Network.ledger(). */
  constructor(inner) {
    if (!(inner instanceof native.Ledger)) throw new TypeError('use network.ledger() to get a Ledger');
    this.#native = inner;
  }

  /** The channel. */
  get channel() {
    return this.#native.channel;
  }

  /** The channel's height and the hashes of its last two blocks, as one peer has them. */
  async chainInfo() {
    const info = await call(() => this.#native.chainInfo());
    info.bootstrappedFromSnapshotAt = info.bootstrappedFromSnapshotAt ?? null;
    return info;
  }

  /** The block with number `number` (a number or bigint), decoded; null when the peer has none. */
  async blockByNumber(number) {
    if (typeof number === 'bigint' && number >= 0n && number <= BigInt(Number.MAX_SAFE_INTEGER)) {
      number = Number(number);
    }
    if (typeof number !== 'number') throw typeError(`number must be a number, not ${describe(number)}`);
    if (!Number.isSafeInteger(number) || number < 0) {
      throw typeError(`number must be a non-negative integer, not ${number}`, 'ERR_INVALID_ARG_VALUE');
    }
    return call(() => this.#native.blockByNumber(number));
  }

  /**
   * The block with this header hash: bytes (`chainInfo().currentBlockHash`) or hex text (a
   * decoded block's `hash`); decoded, or null when not found.
   */
  async blockByHash(hash) {
    let bytes;
    if (hash instanceof Uint8Array) {
      bytes = hash;
    } else if (typeof hash === 'string') {
      if (!/^(?:[0-9a-fA-F]{2})*$/.test(hash)) {
        throw typeError('hash must be hex text (an even number of hex digits) or bytes', 'ERR_INVALID_ARG_VALUE');
      }
      bytes = Buffer.from(hash, 'hex');
    } else {
      throw typeError(`hash must be a Buffer, Uint8Array or hex string, not ${describe(hash)}`);
    }
    return call(() => this.#native.blockByHash(bytes));
  }

  /** The block holding transaction `txId`, decoded; null when not found. */
  async blockByTxId(txId) {
    checkString('txId', txId);
    return call(() => this.#native.blockByTxId(txId));
  }

  /**
   * Transaction `txId` decoded (as each of a decoded block's `transactions`, with
   * `validationCode` and `validationCodeName`; its `index` is 0, as qscc does not say where in
   * its block it is); null when not found.
   */
  async transaction(txId) {
    checkString('txId', txId);
    return call(() => this.#native.transaction(txId));
  }

  /** The channels `peer` (a name or address the channel knows) has joined. Only its own organization may ask. */
  async channels(peer) {
    checkString('peer', peer);
    return call(() => this.#native.channels(peer));
  }

  [inspect.custom]() {
    return `Ledger { channel: '${this.channel}' }`;
  }
}

/** @internal The ledger of `channel` through the addon's client (Network.ledger()). */
function openLedger(client, channel, options) {
  if (options !== undefined) {
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      throw typeError(`ledger options must be an object, not ${describe(options)}`);
    }
    for (const key of Object.keys(options)) {
      if (!OPTIONS.includes(key)) {
        throw typeError(`unknown ledger option '${key}': use ${OPTIONS.join(', ')}`, 'ERR_INVALID_ARG_VALUE');
      }
    }
  }
  try {
    return new Ledger(native.ledger(client, channel, options));
  } catch (e) {
    throw fromNative(e);
  }
}

module.exports = { Ledger, openLedger };
