// Types of the `fabweave` package (hand-written, kept in step with index.js and the addon by
// test/api.test.mjs).

/// <reference types="node" />

/** A chaincode argument or transient value: a string is sent as its UTF-8 bytes. */
export type Bytes = string | Uint8Array;

/** A commit strategy, by fabric-network's name. */
export type CommitStrategy =
  | 'MSPID_SCOPE_ANYFORTX'
  | 'MSPID_SCOPE_ALLFORTX'
  | 'NETWORK_SCOPE_ANYFORTX'
  | 'NETWORK_SCOPE_ALLFORTX'
  | 'PREFER_MSPID_SCOPE_ANYFORTX'
  | 'PREFER_MSPID_SCOPE_ALLFORTX'
  | 'NONE';

/** Per-stage time limits, in seconds; any subset. */
export interface Timeouts {
  /** Establishing a connection to a peer or orderer. */
  connect?: number;
  /** An evaluate, moving on to other peers included. */
  evaluate?: number;
  /** Collecting every endorsement. */
  endorse?: number;
  /** Getting an orderer to accept the transaction. */
  submit?: number;
  /** Waiting for the commit. */
  commit?: number;
}

/**
 * How submits are retried as new transactions: read conflicts, unreachable endorsers or
 * orderers and other failures that cannot have changed the ledger. Missing fields keep the
 * defaults (5 attempts, 0.1 s doubling up to 2 s, no new attempt after 120 s).
 */
export interface RetryOptions {
  /** Attempts in all, the first included (1: no retry). */
  attempts?: number;
  /** The wait before the second attempt, in seconds. */
  initialBackoff?: number;
  /** The longest wait between attempts, in seconds. */
  maxBackoff?: number;
  /** No new attempt starts after this many seconds. */
  deadline?: number;
}

/** `connect`'s options. */
export interface ConnectOptions {
  /** The connection profile file (YAML or JSON). */
  profile: string;
  /** A user of the profile's organization, e.g. `User1`. */
  user?: string;
  /** The passphrase of an encrypted private key. */
  passphrase?: Bytes;
  /** `auto` (the default: the peer Gateway when offered), `gateway` or `client`. */
  mode?: 'auto' | 'gateway' | 'client';
  /** The default commit strategy of submits. */
  commitStrategy?: CommitStrategy;
  /** How evaluates pick their peer. */
  queryStrategy?: 'single' | 'round_robin';
  /** Per-stage time limits, in seconds. */
  timeouts?: Timeouts;
  /** The default retry of submits; `false` for one attempt. */
  retry?: RetryOptions | boolean;
  /** Whether to ask service discovery for peers. */
  discovery?: boolean;
  /** Whether to dial discovered peers at localhost (networks in containers). */
  asLocalhost?: boolean;
  /** Whether to check endorsement signatures before ordering. */
  verifyEndorsements?: boolean;
  /** A crypto suite by name, e.g. `p256-sha256`. */
  cryptoSuite?: string;
}

/** `Contract.submit`'s options. */
export interface SubmitOptions {
  /** Positional arguments. */
  args?: Bytes[];
  /** Transient data (not written to the ledger). */
  transient?: Record<string, Bytes>;
  /** Endorse on peers of these MSP IDs only. */
  endorsingOrgs?: string[];
  /** Endorse on these peers (names in the profile). */
  endorsingPeers?: string[];
  /** Private data collections the transaction writes. */
  collections?: string[];
  /** Other chaincodes the function calls. */
  callsChaincodes?: string[];
  /** This submit's commit strategy. */
  commitStrategy?: CommitStrategy;
  /** This submit's retry; `false` for one attempt. */
  retry?: RetryOptions | boolean;
  /** Seconds to collect endorsements. */
  endorseTimeout?: number;
  /** Seconds for an orderer to accept the transaction. */
  submitTimeout?: number;
  /** Seconds to wait for the commit. */
  commitTimeout?: number;
}

/** `Contract.evaluate`'s options. */
export interface EvaluateOptions {
  /** Positional arguments. */
  args?: Bytes[];
  /** Transient data. */
  transient?: Record<string, Bytes>;
  /** Evaluate on these peers (names in the profile), in this order. */
  peers?: string[];
  /** Seconds for the whole evaluate. */
  timeout?: number;
}

/** `Network.contract`'s options. */
export interface ContractOptions {
  /** Send submits that touch the same keys one after another instead of racing into read conflicts. */
  hotKeyScheduling?: boolean;
  /**
   * A signature policy, e.g. `"AND('Org1MSP.peer','Org2MSP.peer')"`, to plan endorsements with
   * where discovery is off or no peer answers it; a malformed one throws `ProfileError`.
   */
  endorsementPolicy?: string;
}

/** A peer as the client knows it (`Network.view()`). */
export interface PeerView {
  /** Its name in the profile, or its address when only discovery knows it. */
  name: string;
  /** Its organization's MSP ID; null when unknown. */
  mspId: string | null;
  /** `host:port`. */
  address: string;
  /** Its ledger height as discovery last reported it; null when unknown. */
  height: number | null;
  /** The chaincodes discovery reported on it; null until discovery answered. */
  chaincodes: string[] | null;
  /** Whether discovery reported it (rather than only the profile). */
  discovered: boolean;
}

/** An orderer as the client knows it. */
export interface OrdererView {
  /** Its name. */
  name: string;
  /** `host:port`. */
  address: string;
}

/** What the client knows of a channel, from the profile and (once asked) discovery. */
export interface ChannelView {
  /** The channel's peers: the profile's first, then those only discovery knows. */
  peers: PeerView[];
  /** The channel's orderers. */
  orderers: OrdererView[];
  /** The channel's MSP IDs (empty until discovery answered). */
  msps: string[];
}

/** An event a chaincode set in a committed transaction. */
export interface ChaincodeEvent {
  /** The block of the transaction. */
  blockNumber: number;
  /** The transaction's index in the block (absent on `Committed.events`, where it is not known). */
  txIndex?: number | null;
  /** The transaction id. */
  txId: string;
  /** The chaincode that set it. */
  chaincodeId: string;
  /** The event's name. */
  eventName: string;
  /** The event's payload. */
  payload: Buffer;
}

/** One attempt of a submit. */
export interface Attempt {
  /** Its transaction id. */
  txId: string;
  /** The block it was committed in, or null if it failed. */
  blockNumber: number | null;
  /** Why it failed, or null if it committed. */
  error: FabweaveError | null;
}

/** A peer whose endorsement a transaction carries. */
export interface Endorser {
  /** The peer's name (profile name, or discovered address). */
  peer: string;
  /** The address it was reached at. */
  address: string;
  /** The MSP ID the endorsement was signed under. */
  mspId: string;
}

/** A committed transaction. */
export interface Committed {
  /** The transaction id. */
  txId: string;
  /** The block it was committed in (0 when the commit was not waited for). */
  blockNumber: number;
  /** Whether the commit was observed (false only with commit strategy `NONE`). */
  confirmed: boolean;
  /** The chaincode's response payload. */
  payload: Buffer;
  /** The chaincode events the transaction set (Fabric allows one per transaction). */
  events: ChaincodeEvent[];
  /** Every attempt, the committed one last. */
  attempts: Attempt[];
  /** The peers whose endorsements the transaction carries. */
  endorsers: Endorser[];
  /** The peer whose commit event confirmed it first. */
  confirmedBy?: string | null;
  /** Whether the outcome was learned from the ledger rather than from a commit event. */
  resolvedFromLedger: boolean;
  /** Which flow carried the transaction. */
  via: 'gateway' | 'client';
}

/** Connects to a Fabric network as `options.user` of the profile's organization. */
export declare function connect(options: ConnectOptions): Promise<Client>;

/** A connection to a Fabric network as one identity. Made by `connect()`. */
export declare class Client {
  private constructor();
  /** A channel. Throws `FABWEAVE_CLOSED` once the client is closed. */
  network(name: string): Network;
  /** The MSP ID of the client's identity. */
  get mspId(): string;
  /** Which flow carried the last call, or null before any. */
  get lastVia(): 'gateway' | 'client' | null;
  /** Whether `close()` was called. */
  get closed(): boolean;
  /** Closes the client's connections; later calls fail with `FABWEAVE_CLOSED`. Twice is harmless. */
  close(): Promise<void>;
  /** `await using client = await connect(...)` closes the client at the end of the block. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** A channel. Made by `Client.network()`. */
export declare class Network {
  private constructor();
  /** The channel's name. */
  get name(): string;
  /**
   * A chaincode on this channel, with options for all its calls (see `ContractOptions`).
   * @throws ProfileError when `options.endorsementPolicy` is malformed.
   */
  contract(name: string, options?: ContractOptions): Contract;
  /** What the client knows of the channel, from the profile and (once asked) discovery. */
  view(): Promise<ChannelView>;
  /** Asks discovery again now and resolves to the new view. */
  refresh(): Promise<ChannelView>;
  /**
   * Opens a stream of this channel's blocks, one `BlockEvent` per block in order. With a
   * `checkpointer` that holds a position, the stream resumes after it and `start` is ignored.
   */
  blockEvents(options?: BlockEventsOptions): Promise<EventStream<BlockEvent>>;
}

/** A chaincode on a channel. Made by `Network.contract()`. */
export declare class Contract {
  private constructor();
  /** The chaincode's name. */
  get name(): string;
  /** The channel's name. */
  get channel(): string;
  /** Endorses, orders and waits for the commit of `fn(...options.args)`. */
  submit(fn: string, options?: SubmitOptions): Promise<Committed>;
  /** Evaluates (queries) `fn(...options.args)` on one peer; resolves to its payload. */
  evaluate(fn: string, options?: EvaluateOptions): Promise<Buffer>;
  /**
   * Opens a stream of the events this chaincode emits in valid transactions, in ledger order.
   * With a `checkpointer` that holds a position, the stream resumes after it (`start` is
   * ignored); acknowledge each event after processing it (`stream.ack(event)`) and a stream
   * reopened with the same checkpointer delivers each event exactly once.
   */
  chaincodeEvents(options?: ChaincodeEventsOptions): Promise<EventStream<ChaincodeEvent>>;
}

/** The stable codes of fabweave's errors. */
export type ErrorCode =
  | 'FABWEAVE_ERROR'
  | 'FABWEAVE_CLOSED'
  | 'FABWEAVE_PROFILE'
  | 'FABWEAVE_NO_GATEWAY'
  | 'FABWEAVE_IDENTITY'
  | 'FABWEAVE_CRYPTO'
  | 'FABWEAVE_TRANSPORT'
  | 'FABWEAVE_EVENTS_UNAVAILABLE'
  | 'FABWEAVE_DISCOVERY'
  | 'FABWEAVE_ENDORSE'
  | 'FABWEAVE_SUBMIT'
  | 'FABWEAVE_COMMIT'
  | 'FABWEAVE_TIMEOUT'
  | 'FABWEAVE_INDETERMINATE'
  | 'FABWEAVE_PROTOCOL'
  | 'FABWEAVE_CA'
  | 'FABWEAVE_CHECKPOINT';

/** What one peer (or orderer) answered, or failed to answer. */
export interface PeerDetail {
  /** The peer's name in the profile. */
  peer: string;
  /** The address dialed. */
  address: string;
  /** The peer's MSP ID when known, else empty. */
  mspId: string;
  /** The chaincode or peer status (e.g. 500), or 0 when the peer could not be reached. */
  status: number;
  /** The peer's message, or the transport error. */
  message: string;
}

/**
 * Base class of every fabweave error. A retried submit fails with its last attempt's error,
 * whose `attempts` lists every attempt and whose `cause` is the attempt before's error.
 */
export declare class FabweaveError extends Error {
  /** The stable code, e.g. `FABWEAVE_ENDORSE`. */
  code: ErrorCode;
  /** The core's error kind, e.g. `endorse`, `config` (null for the binding's own errors). */
  kind: string | null;
  /** Whether a new try could succeed without looking at the ledger first. */
  retryable: boolean;
  /** The transaction concerned, when there is one. */
  transactionId: string | null;
  /** Every attempt of a retried submit. */
  attempts?: Attempt[];
}

/** A connection profile could not be read or is inconsistent (also: no peer Gateway in mode `gateway`). */
export declare class ProfileError extends FabweaveError {
  file?: string | null;
  key?: string | null;
  line?: number | null;
  column?: number | null;
  problem?: string;
  /** A file the profile names that does not exist. */
  missingFile?: string;
  /** For `FABWEAVE_NO_GATEWAY`: the peers asked. */
  peers?: string[];
}

/** An identity could not be loaded or used. */
export declare class IdentityError extends FabweaveError {
  file: string | null;
  problem: string;
}

/** A cryptographic operation failed. */
export declare class CryptoError extends FabweaveError {
  reason: string;
}

/** A connection could not be made or broke (or, `FABWEAVE_EVENTS_UNAVAILABLE`, no peer could be read from). */
export declare class TransportError extends FabweaveError {
  endpoint?: string;
  reason?: string;
  channel?: string;
  after?: number;
  details?: PeerDetail[];
}

/** Service discovery could not say which peers to use. */
export declare class DiscoveryError extends FabweaveError {
  channel: string;
  /** The peers asked, with what each said. */
  peers: string[];
  reason: string;
}

/** Endorsement or evaluation failed on the peers. */
export declare class EndorseError extends FabweaveError {
  /** A summary, e.g. "endorsements differ". */
  reason: string;
  /** What each peer answered. */
  details: PeerDetail[];
}

/** No orderer accepted the transaction. */
export declare class SubmitError extends FabweaveError {
  orderer: string;
  status: number;
  reason: string;
  /** What each orderer said (as the peer Gateway reports it). */
  details: PeerDetail[];
}

/** The transaction was ordered but is invalid. */
export declare class CommitError extends FabweaveError {
  /** The validation code, e.g. 11. */
  validationCode: number;
  /** Its name, e.g. `MVCC_READ_CONFLICT`. */
  validationCodeName: string;
  /** The block it is in. */
  blockNumber: number;
}

/** A stage ran out of time. */
export declare class TimeoutError extends FabweaveError {
  stage: 'connect' | 'evaluate' | 'endorse' | 'submit' | 'commit';
  /** The time limit that passed, in seconds. */
  after: number;
  /** What was being waited for (an address, a peer). */
  waitingFor: string | null;
}

/** A transaction left the client and its outcome is unknown; it was not sent again. */
export declare class IndeterminateError extends FabweaveError {
  stage: 'submit' | 'commit';
  reason: string;
}

/** A peer or orderer answered with something malformed. */
export declare class ProtocolError extends FabweaveError {
  endpoint: string;
  reason: string;
}

/** A Fabric CA refused a request. */
export declare class CaError extends FabweaveError {
  url: string;
  status: number;
  /** The CA's own error code (0 when none). */
  caCode: number;
  reason: string;
  hint: string | null;
}

/** An event checkpoint could not be read or written. */
export declare class CheckpointError extends FabweaveError {
  file: string | null;
  reason: string;
}

// ---- Event streams ---------------------------------------------------------------------------

/** What a block stream reads: full blocks, filtered blocks (small, no payloads), or full blocks with private data. */
export type BlockKind = 'full' | 'filtered' | 'withPrivateData';

/** A position in the ledger: the last event processed. */
export interface Checkpoint {
  /** The block of the last event processed. */
  blockNumber: number;
  /** The index of its transaction in the block; null when the whole block was processed. */
  txIndex?: number | null;
  /** That transaction's id, when known (informational). */
  txId?: string | null;
}

/**
 * Where a stream starts when its checkpointer has no position: the newest block (default), the
 * first block, the next block committed (Fabric 2.3+), a block number, or after a checkpoint.
 */
export type StartAt = 'newest' | 'oldest' | 'nextCommit' | number | Checkpoint;

/** `Contract.chaincodeEvents`' options. */
export interface ChaincodeEventsOptions {
  /** Only events of this name. */
  eventName?: string;
  /** Where to start when the checkpointer has no position (default `'newest'`). */
  start?: StartAt;
  /** Resume after its position; `stream.ack(event)` records into it. */
  checkpointer?: Checkpointer;
  /** The blocks events are read from (default `'full'`; `'filtered'` events have empty payloads). */
  kind?: BlockKind;
  /** Seconds without any peer delivering before the stream ends with an error (default 300). */
  giveUpAfter?: number;
}

/** `Network.blockEvents`' options. */
export interface BlockEventsOptions {
  /** What to read (default `'full'`). */
  kind?: BlockKind;
  /** Where to start when the checkpointer has no position (default `'newest'`). */
  start?: StartAt;
  /** Resume after its position; `stream.ack(block)` records into it. */
  checkpointer?: Checkpointer;
  /** Seconds without any peer delivering before the stream ends with an error (default 300). */
  giveUpAfter?: number;
}

/** A transaction of a block event. */
export interface BlockTransaction {
  /** Its index in the block. */
  index: number;
  /** The transaction id (empty for configuration transactions that carry none). */
  txId: string;
  /** The validation code (0: valid); null when the block carries no codes. */
  validationCode?: number | null;
  /** The validation code's name, e.g. `VALID`, `MVCC_READ_CONFLICT`. */
  validationCodeName?: string | null;
}

/** One block of a block event stream. */
export declare class BlockEvent {
  private constructor();
  /** The block number. */
  readonly number: number;
  /** What the stream reads. */
  readonly kind: BlockKind;
  /** The block's transactions with their validation codes, in order. */
  readonly transactions: BlockTransaction[];
  /** The chaincode events of the block's valid transactions (empty payloads when filtered). */
  readonly chaincodeEvents: ChaincodeEvent[];
  /** The block as the peer sent it, protobuf-encoded: a `common.Block`, or a `protos.FilteredBlock` when filtered. */
  readonly bytes: Buffer;
  /**
   * The block decoded for people: `number`, `hash`, `previousHash`, `dataHash` (hex),
   * `metadata` and `transactions` (each with `txId`, `headerType`, `creator`,
   * `validationCode(Name)`, `actions` with function, args, response, read/write sets, event and
   * endorsers; byte strings as `{ encoding: 'utf8' | 'base64', value }`). Null when filtered.
   */
  decode(): Record<string, any> | null;
}

/**
 * A stream of events: `for await (const event of stream)`. It ends after `close()`, or rejects
 * with the error it cannot recover from (e.g. no peer delivered for `giveUpAfter` seconds);
 * it reconnects to another peer when its peer fails, with nothing lost or repeated. Leaving a
 * for-await loop early closes it, as does `await using`.
 */
export declare class EventStream<T> implements AsyncIterableIterator<T> {
  private constructor();
  /** The next event; `{ done: true }` at the end, and for a call pending when `close()` is called. */
  next(): Promise<IteratorResult<T, undefined>>;
  /** Closes the stream (for-await calls it when a loop is left early). */
  return(): Promise<IteratorReturnResult<undefined>>;
  /** The stream itself. */
  [Symbol.asyncIterator](): EventStream<T>;
  /** Records `event` as processed in the stream's checkpointer (nothing without one); call it after processing. */
  ack(event: T | Checkpoint): Promise<void>;
  /** Stops reading: pending `next()` calls resolve to `{ done: true }`. Closing twice is harmless. */
  close(): Promise<void>;
  /** Whether `close()` was called. */
  get closed(): boolean;
  /** The peer the stream reads from now, while connected; else null. */
  get peer(): string | null;
  /** How many deliver streams were opened so far (1 until a reconnection). */
  get sessions(): number;
  /** The last error a peer's stream ended with (kept after the stream recovered), or null. */
  get lastError(): FabweaveError | null;
  /** The channel. */
  get channel(): string;
  /** `await using stream = await contract.chaincodeEvents()` closes it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** Where a stream's application got to, kept across streams. Use a subclass. */
export declare class Checkpointer {
  protected constructor();
  /** The last position recorded, or null. */
  get checkpoint(): Checkpoint | null;
  /** Records `position` (a checkpoint, or an event read from a stream) as the last processed. */
  save(position: Checkpoint | ChaincodeEvent | BlockEvent): Promise<void>;
}

/** A checkpointer in memory: survives closing and reopening a stream in this process. */
export declare class InMemoryCheckpointer extends Checkpointer {
  constructor();
}

/**
 * A checkpointer in a small JSON file, replaced atomically on each save: a restarted process
 * opening the same file resumes after the last event it recorded. The constructor reads the
 * file (a missing one is empty, created on the first save; its folder must exist) and throws
 * `CheckpointError` for a file that is not a checkpoint.
 */
export declare class FileCheckpointer extends Checkpointer {
  constructor(path: string);
  /** The checkpoint file. */
  get path(): string;
}
