// Types of the `fabweave` package (hand-written, kept in step with index.js and the addon by
// test/api.test.mjs).

/// <reference types="node" />

import { inspect } from 'node:util';

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
  /** An identity to connect as, instead of `user` (give exactly one of them). */
  identity?: Identity;
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

/** An event a chaincode set in a committed transaction. */
export interface ChaincodeEvent {
  /** The block of the transaction. */
  blockNumber: number;
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

/** Connects to a Fabric network as `options.user` of the profile's organization, or as `options.identity`. */
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
  /** A chaincode on this channel. */
  contract(name: string): Contract;
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
  /** Builds (no network) the proposal of `fn(...options.args)`, to sign elsewhere. */
  newProposal(fn: string, options?: ProposalOptions): Proposal;
}

// ---------------------------------------------------------------------------------------------
// Identities, wallets and the step-by-step submit (identity.js, steps.js)

/**
 * A signer held elsewhere (an HSM, a KMS, another process): called with the message to sign
 * (the bytes themselves, not a digest), it hashes them with SHA-256 and returns the ECDSA P-256
 * signature, DER-encoded (a high S is lowered for you). `(m) => crypto.sign('sha256', m, key)`
 * is one.
 */
export type Signer = (message: Buffer) => Uint8Array | Promise<Uint8Array>;

/** `Identity.fromSigner`'s options. */
export interface SignerOptions {
  /** Seconds one call of the signer may take, its promise included (default 30). */
  timeout?: number;
}

/** The options of `Identity.fromPem`, `fromFiles` and `fromMspDir`. */
export interface KeyOptions {
  /** The passphrase of an encrypted private key. */
  passphrase?: Bytes;
}

/** `FileWallet`'s options. */
export interface FileWalletOptions {
  /** Encrypts the keys written (encrypted PKCS#8) and decrypts those read. */
  passphrase?: Bytes;
  /** PBKDF2 rounds for keys this wallet encrypts (default 600,000, at least 100,000). */
  pbkdf2Iterations?: number;
}

/** `Contract.newProposal`'s options: those of `submit` but `retry`. */
export interface ProposalOptions {
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
  /** The commit strategy `Submitted.status()` waits by. */
  commitStrategy?: CommitStrategy;
  /** Seconds to collect endorsements. */
  endorseTimeout?: number;
  /** Seconds for an orderer to accept the transaction. */
  submitTimeout?: number;
  /** Seconds to wait for the commit. */
  commitTimeout?: number;
}

/**
 * An identity: an MSP ID, an X.509 certificate and a way to sign (a private key kept by the
 * addon, never shown, or a `Signer`). Errors are `IdentityError`s naming the file concerned.
 */
export declare class Identity {
  private constructor();
  /** From a certificate and a private key, PEM (DER works, but cannot go into a wallet). */
  static fromPem(mspId: string, certificate: Bytes, privateKey: Bytes, options?: KeyOptions): Identity;
  /** From a certificate file and a private key file. */
  static fromFiles(mspId: string, certificatePath: string, privateKeyPath: string, options?: KeyOptions): Promise<Identity>;
  /** From an MSP folder (`signcerts/`, `keystore/`), as cryptogen or a Fabric CA client write it. */
  static fromMspDir(mspId: string, dir: string, options?: KeyOptions): Promise<Identity>;
  /**
   * From the certificate (PEM or DER) of an ECDSA P-256 key held elsewhere, and its signer.
   * A signer that rejects, throws, returns something else than bytes, signs with another key
   * or takes longer than `options.timeout` makes the call fail with a `CryptoError`. Such an
   * identity cannot go into a wallet.
   */
  static fromSigner(mspId: string, certificate: Bytes, signer: Signer, options?: SignerOptions): Identity;
  /** Signs `message` as Fabric expects (ECDSA P-256: SHA-256, DER, low S). */
  sign(message: Bytes): Promise<Buffer>;
  /** The organization's MSP ID. */
  get mspId(): string;
  /** The certificate, PEM. */
  get certificate(): string;
  /** The certificate's subject common name, or null. */
  get commonName(): string | null;
  /** The certificate's subject (RFC 4514). */
  get subject(): string;
  /** The certificate's issuer (RFC 4514). */
  get issuer(): string;
  /** The start of the certificate's validity. */
  get notBefore(): Date;
  /** The end of the certificate's validity. */
  get notAfter(): Date;
  /** `Identity { mspId, subject }`: never key material. */
  [inspect.custom](): string;
}

/** Identities stored by label: the base of `InMemoryWallet` and `FileWallet`. */
export declare class Wallet {
  protected constructor();
  /**
   * Stores `identity` under `label`, replacing any stored there. Rejects with `IdentityError`
   * for an invalid label (empty, `.`, `..`, or holding `/`, `\` or NUL) and for an identity a
   * wallet cannot hold (made by `fromSigner`, or with a key loaded encrypted or as DER).
   */
  put(label: string, identity: Identity): Promise<void>;
  /** The identity stored under `label`, or null; rejects with `IdentityError` when it does not load. */
  get(label: string): Promise<Identity | null>;
  /** Removes the identity stored under `label`; resolves to whether there was one. */
  remove(label: string): Promise<boolean>;
  /** The labels of the stored identities, sorted. */
  list(): Promise<string[]>;
}

/** A wallet in memory, lost with the object. */
export declare class InMemoryWallet extends Wallet {
  constructor();
}

/**
 * A wallet in a folder (created if missing), one `<label>.id` file per identity in
 * fabric-network's format, as the Rust SDK and the Python binding write it.
 */
export declare class FileWallet extends Wallet {
  /** Throws `IdentityError` when the folder cannot be made or the options are out of range. */
  constructor(path: string, options?: FileWalletOptions);
  /** The wallet's folder. */
  get path(): string;
  /** Whether keys are written encrypted. */
  get encryptsKeys(): boolean;
  /** The PBKDF2 rounds of the keys this wallet encrypts. */
  get pbkdf2Iterations(): number;
  /** The file that holds (or would hold) `label`: `<path>/<label>.id`. */
  pathOf(label: string): string;
  /** `FileWallet { path, encryptsKeys }`: never the passphrase. */
  [inspect.custom](): string;
}

/**
 * The proposal of a submit, to sign: an ECDSA P-256 signature over SHA-256 of `bytes`, DER,
 * with the key of the client's identity (a high S is lowered; a signature that does not verify
 * with the identity's certificate is a `CryptoError` before anything is sent). Each step runs
 * once, whether it succeeded or not; a second use is a `FabweaveError` saying so.
 */
export declare class Proposal {
  private constructor();
  /** The transaction id. */
  get txId(): string;
  /** The bytes to sign (the serialized proposal). */
  get bytes(): Buffer;
  /** Whether `evaluate` or `endorse` was called. */
  get used(): boolean;
  /** Evaluates the signed proposal on one peer; resolves to the chaincode's payload. */
  evaluate(signature: Uint8Array): Promise<Buffer>;
  /** Sends the signed proposal for endorsement; resolves to the transaction to sign. */
  endorse(signature: Uint8Array): Promise<Transaction>;
  /** `Proposal { txId }`, with `used` once used. */
  [inspect.custom](): string;
}

/** An endorsed transaction, to sign as the proposal was. */
export declare class Transaction {
  private constructor();
  /** The transaction id. */
  get txId(): string;
  /** The bytes to sign (the transaction's serialized payload). */
  get bytes(): Buffer;
  /** The chaincode's response payload, as endorsed. */
  get result(): Buffer;
  /** Which flow endorsed the transaction and will submit it. */
  get via(): 'gateway' | 'client';
  /** Whether `submit` was called. */
  get used(): boolean;
  /** Sends the signed transaction to the orderer, listening for its commit from before. */
  submit(signature: Uint8Array): Promise<Submitted>;
  /** `Transaction { txId, via }`, with `used` once used. */
  [inspect.custom](): string;
}

/** A transaction the orderer accepted. */
export declare class Submitted {
  private constructor();
  /** The transaction id. */
  get txId(): string;
  /** The chaincode's response payload, as endorsed. */
  get result(): Buffer;
  /** The peers whose endorsements the transaction carries. */
  get endorsers(): Endorser[];
  /** Which flow submitted the transaction and reports its commit. */
  get via(): 'gateway' | 'client';
  /** Whether `status` was called. */
  get used(): boolean;
  /**
   * Waits for the commit as the commit strategy says; resolves as `Contract.submit` does
   * (with no `attempts`: a signed transaction is not sent again). An invalid transaction
   * rejects with `CommitError`, an unknown outcome with `IndeterminateError`. Once only.
   */
  status(): Promise<Committed>;
  /** `Submitted { txId, via }`, with `used` once used. */
  [inspect.custom](): string;
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
