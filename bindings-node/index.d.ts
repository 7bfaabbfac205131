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
  /**
   * Closes the client's connections and the event streams it opened (their pending `next()`
   * calls resolve to `{ done: true }`); later calls fail with `FABWEAVE_CLOSED`. Twice is harmless.
   */
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
  /** The channel's ledger: chain info, blocks and transactions (qscc), channels of a peer (cscc). */
  ledger(options?: LedgerOptions): Ledger;
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
  /** Builds (no network) the proposal of `fn(...options.args)`, to sign elsewhere. */
  newProposal(fn: string, options?: ProposalOptions): Proposal;
}

// ---- Fabric CA ------------------------------------------------------------------------------

/** PEM text (a string holding `-----BEGIN`), PEM bytes, or the path of a file holding it. */
export type PemOrPath = string | Uint8Array | URL;

/** `new CaClient(url, options)`'s options. */
export interface CaClientOptions {
  /** The CA of the server to address (its default CA when absent). */
  caName?: string;
  /** The TLS CA certificate(s) to trust (needed for `https://`). */
  tlsCaCert?: PemOrPath | PemOrPath[];
  /** The name expected in the CA's TLS certificate when the URL's host is not it. */
  serverName?: string;
  /** A client TLS certificate for a CA that asks for mutual TLS (with `clientKey`). */
  clientCert?: PemOrPath;
  /** Its private key (with `clientCert`). */
  clientKey?: PemOrPath;
  /** Seconds to connect (TCP and TLS handshake); 10 unless given. */
  connectTimeout?: number;
  /** Seconds for a request once connected; 30 unless given. */
  requestTimeout?: number;
  /** The MSP ID enrollments carry (`enrollment.mspId`). */
  mspId?: string;
}

/** `CaClient.fromProfile(profile, options)`'s options. */
export interface CaProfileOptions {
  /** The CA by its key in the profile's `certificateAuthorities` (default: the client organization's first CA). */
  ca?: string;
  /** Seconds to connect; 10 unless given. */
  connectTimeout?: number;
  /** Seconds for a request once connected; 30 unless given. */
  requestTimeout?: number;
}

/** Attributes to put in a certificate: names (each required), or name to whether it is optional. */
export type AttributeRequests = string[] | Record<string, boolean>;

/** `CaClient.enroll`'s options. */
export interface EnrollOptions {
  /** The kind of key generated: `p256` (the default) or `sm2` (for a GM CA). */
  keyAlgorithm?: 'p256' | 'sm2';
  /** Attributes to put in the certificate. */
  attributes?: AttributeRequests;
  /** The CA's signing profile, e.g. `tls`. */
  profile?: string;
  /** Subject alternative names. */
  hosts?: string[];
  /** The CA-side key label (HSM). */
  label?: string;
  /** The CA of the server, instead of the client's. */
  caName?: string;
}

/** `CaClient.reenroll`'s options. */
export interface ReenrollOptions {
  /** Keep the current key instead of generating a new one (the enrollment then has no `privateKeyPem()`). */
  keepKey?: boolean;
  /** Attributes to put in the certificate. */
  attributes?: AttributeRequests;
  /** The CA's signing profile. */
  profile?: string;
  /** Subject alternative names. */
  hosts?: string[];
  /** The CA-side key label. */
  label?: string;
  /** The CA of the server, instead of the client's. */
  caName?: string;
}

/** An attribute of a registered identity. */
export interface CaAttribute {
  /** The attribute's name. */
  name: string;
  /** Its value. */
  value: string;
  /** Whether it goes into enrollment certificates by default. */
  ecert: boolean;
}

/** `CaClient.register`'s and `modifyIdentity`'s options. */
export interface RegisterOptions {
  /** The enrollment secret (the CA generates one when absent). */
  secret?: string;
  /** `client` (the default for `register`), `peer`, `orderer`, `admin`, `user`. */
  type?: string;
  /** The affiliation, e.g. `org1.department1` (the registrar's by default). */
  affiliation?: string;
  /** How many enrollments are allowed (-1: no limit). */
  maxEnrollments?: number;
  /** The identity's attributes: a list, or name to value (or to `{value, ecert}`). */
  attributes?:
    | Array<{ name: string; value: string; ecert?: boolean }>
    | Record<string, string | { value: string; ecert?: boolean }>;
  /** The CA of the server, instead of the client's. */
  caName?: string;
}

/** `CaClient.revoke`'s options: an identity `id`, or one certificate by `serial` and `aki`. */
export interface RevokeOptions {
  /** The identity whose certificates to revoke (it can no longer enroll). */
  id?: string;
  /** A certificate's serial number (hex), with `aki`. */
  serial?: string;
  /** The certificate's authority key identifier (hex). */
  aki?: string;
  /** The reason, by the CA's name, e.g. `keycompromise`, `superseded`. */
  reason?: string;
  /** Ask for a CRL in the answer (`revocation.crl`). */
  gencrl?: boolean;
  /** The CA of the server, instead of the client's. */
  caName?: string;
}

/** What a CA says about itself. */
export interface CaInfo {
  /** The CA's name. */
  caName: string;
  /** The CA's certificate chain, PEM: the signing CA first, up to the root. */
  caChain: string;
  /** The server's version, e.g. `1.5.15` (empty when the server does not say). */
  version: string;
  /** The Idemix issuer public key as sent (empty without Idemix). */
  issuerPublicKey: Buffer;
  /** The Idemix revocation public key as sent (empty without Idemix). */
  issuerRevocationPublicKey: Buffer;
}

/** An identity registered with the CA. */
export interface IdentityInfo {
  /** The enrollment ID. */
  id: string;
  /** The type: `client`, `peer`, `orderer`, `admin`, `user`. */
  type: string;
  /** The affiliation (empty for the root). */
  affiliation: string;
  /** The attributes, the CA's `hf.*` ones included. */
  attributes: CaAttribute[];
  /** How many enrollments are allowed (-1: no limit). */
  maxEnrollments: number;
  /** The CA that answered. */
  caName: string;
  /** The secret a modification set or generated, else null (not enumerable: kept out of logs and JSON). */
  secret: string | null;
}

/** A certificate a revocation revoked. */
export interface RevokedCertificate {
  /** Its serial number, hex. */
  serial: string;
  /** Its authority key identifier, hex. */
  aki: string;
}

/** What a revocation did. */
export interface Revocation {
  /** The certificates revoked. */
  revoked: RevokedCertificate[];
  /** The CRL, PEM, when `gencrl` asked for one; else null. */
  crl: string | null;
}

/**
 * Who a CA call is made for (a registrar, or the identity to reenroll): an `Identity`, an
 * `Enrollment`, a certificate and private key (PEM or DER; `passphrase` decrypts an encrypted
 * key), or an object offering a `fabweave.caCredential` hook.
 */
export type CaCredentialLike =
  | Identity
  | Enrollment
  | { certificate: Bytes; privateKeyPem: Bytes; passphrase?: Bytes; mspId?: string }
  | { [key: symbol]: () => unknown };

/**
 * An issued certificate with its private key: what `enroll` and `reenroll` resolve to. The key
 * stays in the addon: `privateKeyPem()` hands it out only when asked; `util.inspect` and
 * `JSON.stringify` never show it.
 */
export declare class Enrollment {
  private constructor();
  /** The certificate, PEM, as the CA issued it. */
  get certificate(): string;
  /** The CA's certificate chain, PEM (signing CA first): an MSP's `cacerts`. */
  get caChain(): string;
  /** What the CA said about itself in the answer. */
  get caInfo(): CaInfo;
  /** The MSP ID of the CaClient (from its profile, or its `mspId` option), or null. */
  get mspId(): string | null;
  /** The certificate's subject common name (the enrollment ID). */
  get commonName(): string | null;
  /** The certificate's subject, e.g. `CN=user1,OU=client`. */
  get subject(): string | null;
  /** The private key, unencrypted PKCS#8 PEM, or null when a reenrollment kept the key. Keep it secret. */
  privateKeyPem(): string | null;
  /**
   * The enrollment as an `Identity` of `mspId` (default: the CaClient's MSP ID), to connect or
   * sign with, or to put in a wallet; the key stays in the addon.
   */
  identity(mspId?: string): Identity;
  /** The public parts (never the key), for `JSON.stringify`. */
  toJSON(): { certificate: string; caChain: string; mspId: string | null };
  /** `Enrollment { mspId, subject, ... }` without the key. */
  [inspect.custom](): string;
}

/** A client of one Fabric CA server. A refusal by the CA rejects with a `CaError`. */
export declare class CaClient {
  /** A client for the CA at `url` (`https://host:port`; `http://` without TLS). */
  constructor(url: string, options?: CaClientOptions);
  /** The CA `options.ca` of a connection profile, or its client organization's first CA. */
  static fromProfile(profile: string, options?: CaProfileOptions): CaClient;
  /** The URL as given. */
  get url(): string;
  /** The CA of the server this client addresses, or null for the server's default CA. */
  get caName(): string | null;
  /** The MSP ID enrollments carry (from the profile, or the `mspId` option), or null. */
  get mspId(): string | null;
  /** The CA's name, certificate chain and version (no authentication). */
  info(): Promise<CaInfo>;
  /** Enrolls `id` with `secret`: the key pair is generated locally; only a CSR is sent. */
  enroll(id: string, secret: string, options?: EnrollOptions): Promise<Enrollment>;
  /** A new certificate for `current`, authenticated by it (a revoked one: `CaError`, caCode 20). */
  reenroll(current: CaCredentialLike, options?: ReenrollOptions): Promise<Enrollment>;
  /** Registers identity `id` on behalf of `registrar`; resolves to its enrollment secret. */
  register(registrar: CaCredentialLike, id: string, options?: RegisterOptions): Promise<string>;
  /** Revokes identity `id` (all its certificates), or with `{serial, aki}` one certificate. */
  revoke(registrar: CaCredentialLike, idOrOptions: string | RevokeOptions, options?: RevokeOptions): Promise<Revocation>;
  /** The identities `registrar` may see. */
  identities(registrar: CaCredentialLike): Promise<IdentityInfo[]>;
  /** Identity `id` as `registrar` sees it (unknown: `CaError`, caCode 63). */
  identity(registrar: CaCredentialLike, id: string): Promise<IdentityInfo>;
  /** Changes identity `id`: the options given replace the identity's; the others are kept. */
  modifyIdentity(registrar: CaCredentialLike, id: string, options?: RegisterOptions): Promise<IdentityInfo>;
  /** Removes identity `id` (the CA must allow it); `force` also removes the registrar's own. */
  removeIdentity(registrar: CaCredentialLike, id: string, options?: { force?: boolean }): Promise<IdentityInfo>;
  /** The affiliation tree `registrar` may see, as the CA returns it. */
  affiliations(registrar: CaCredentialLike): Promise<Affiliation>;
  /** `CaClient { url, caName }`. */
  [inspect.custom](): string;
}

/** A node of a CA's affiliation tree, as the CA returns it. */
export interface Affiliation {
  /** The affiliation's full name (empty for the root). */
  name: string;
  /** Its children. */
  affiliations?: Affiliation[];
  /** The identities under it, when the CA lists them. */
  identities?: unknown[];
  /** The CA that answered (on the root). */
  caname?: string;
}

// ---- Ledger ---------------------------------------------------------------------------------

/** `Network.ledger()`'s options. */
export interface LedgerOptions {
  /** Seconds for each call (the client's evaluate timeout unless given). */
  timeout?: number;
  /** Ask only these peers (names or addresses), in this order. */
  peers?: string[];
}

/** What qscc `GetChainInfo` says of the channel's ledger on one peer. */
export interface ChainInfo {
  /** The number of blocks (the next block's number). */
  height: number;
  /** The header hash of the last block (number `height - 1`), 32 bytes: what `blockByHash` takes. */
  currentBlockHash: Buffer;
  /** The header hash of the block before it. */
  previousBlockHash: Buffer;
  /** When the peer joined from a snapshot: the last block the snapshot holds; else null. */
  bootstrappedFromSnapshotAt: number | null;
}

/** Bytes in a decoded block or transaction (arguments, payloads, written values): UTF-8 text when they are, else base64. */
export interface DecodedData {
  encoding: 'utf8' | 'base64';
  value: string;
}

/** A transaction as sdk-core decodes it (a block's `transactions`, or `Ledger.transaction`). */
export interface DecodedTransaction {
  /** Its place in the block (0 from `Ledger.transaction`). */
  index: number;
  txId: string;
  /** e.g. `ENDORSER_TRANSACTION`, `CONFIG`. */
  headerType: string;
  channel: string;
  /** RFC 3339. */
  timestamp: string | null;
  creator: { mspId: string; subject?: string | null } | null;
  validationCode: number | null;
  /** e.g. `VALID`, `MVCC_READ_CONFLICT`. */
  validationCodeName: string | null;
  /** The chaincode actions: chaincode, function, args, response, read-write sets, event, endorsers. */
  actions: Array<Record<string, unknown>>;
  /** For a config transaction: sequence, application and orderer organizations. */
  config: { sequence: number; applicationOrgs: string[]; ordererOrgs: string[] } | null;
  /** Why the transaction could not be decoded, if it could not. */
  malformed: string | null;
}

/** A block as sdk-core decodes it. */
export interface DecodedBlock {
  number: number;
  /** The header hash, hex. */
  hash: string;
  /** The previous block's header hash, hex. */
  previousHash: string;
  /** The data hash, hex. */
  dataHash: string;
  /** Last config, validation codes, signers, commit hash. */
  metadata: Record<string, unknown>;
  transactions: DecodedTransaction[];
}

/**
 * The ledger of one channel: chain info, blocks and transactions (qscc), and the channels a
 * peer joined (cscc). Made by `Network.ledger()`. Each query goes to one peer (the client's
 * organization first), moving on when a peer fails; what a peer's ledger does not have is null.
 */
export declare class Ledger {
  private constructor();
  /** The channel. */
  get channel(): string;
  /** The channel's height and the hashes of its last two blocks, as one peer has them. */
  chainInfo(): Promise<ChainInfo>;
  /** The block with this number, decoded; null when the peer has none. */
  blockByNumber(number: number | bigint): Promise<DecodedBlock | null>;
  /** The block with this header hash (bytes, or hex as in a decoded block's `hash`); null when not found. */
  blockByHash(hash: Uint8Array | string): Promise<DecodedBlock | null>;
  /** The block holding transaction `txId`; null when not found. */
  blockByTxId(txId: string): Promise<DecodedBlock | null>;
  /** Transaction `txId` decoded, with its validation code; null when not found. */
  transaction(txId: string): Promise<DecodedTransaction | null>;
  /** The channels `peer` (a name or address the channel knows) has joined; only its own organization may ask. */
  channels(peer: string): Promise<string[]>;
  /** `Ledger { channel }`. */
  [inspect.custom](): string;
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

/**
 * `Contract.newProposal`'s options: those of `submit` but `retry` (a signed transaction is sent
 * once). `commitStrategy` is the one `Submitted.status()` waits by.
 */
export type ProposalOptions = Omit<SubmitOptions, 'retry'>;

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

// ---- Logging ---------------------------------------------------------------------------------

/** How much sdk-core logs, least verbose first: a handler gets its level and the ones before it. */
export type LogLevel = 'error' | 'warn' | 'info' | 'debug' | 'trace';

/** One of sdk-core's log records, as a log handler receives it. */
export interface LogRecord {
  /** The record's level. */
  level: LogLevel;
  /** The emitting module of sdk-core, dotted: e.g. 'fabweave.flow.calls', 'fabweave.transport'. */
  target: string;
  /** The event's message, without its fields. */
  message: string;
  /** The fields of the enclosing operations (e.g. channel, chaincode, function) and of the event (e.g. txId as tx_id, address). */
  fields: Record<string, string | number | boolean>;
  /** When the event was emitted. */
  time: Date;
}

/** `setLogHandler`'s options. */
export interface LogHandlerOptions {
  /** The most verbose level handed to the handler (default 'info'). */
  level?: LogLevel;
}

/**
 * Sends sdk-core's log records of `options.level` and more severe to `handler`, called on the
 * main thread shortly after each event (records never wait for JavaScript: when more than
 * 10,000 are waiting, later ones are dropped and a 'warn' record says how many). `null` turns
 * logging off. One handler at a time; it never keeps the process alive; what it throws is
 * reported once as a process warning. Without a handler, setting the environment variable
 * `FABWEAVE_LOG` to a level before loading fabweave prints the records on standard error.
 */
export declare function setLogHandler(handler: ((record: LogRecord) => void) | null, options?: LogHandlerOptions): void;
