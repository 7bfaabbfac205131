//! One error type for the crate.
//!
//! Every error names what went wrong and where — the file, the key path inside a profile, the
//! line and column of a syntax error, the endpoint — and, when the cause is known, what to do.
//! [`Error::kind`] sorts errors into the stages of [`ErrorKind`]; [`Error::is_retryable`] says
//! whether trying again could help.

use std::fmt;
use std::path::PathBuf;

/// A `Result` with fabweave's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The stage or area an error comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A connection profile could not be read or is inconsistent.
    Config,
    /// An identity (certificate, private key, MSP folder) could not be loaded or used.
    Identity,
    /// A cryptographic operation failed.
    Crypto,
    /// A connection to a peer or orderer could not be made or broke.
    Transport,
    /// Service discovery could not say which peers to use.
    Discovery,
    /// A transaction was sent, and whether it was or will be committed is not known.
    Indeterminate,
    /// Endorsement (or an evaluation) failed on the peers.
    Endorse,
    /// The orderer did not accept the transaction.
    Submit,
    /// The transaction was ordered but not committed as valid.
    Commit,
    /// A stage ran out of time.
    Timeout,
    /// A peer or orderer answered with something malformed.
    Protocol,
    /// A Fabric CA server refused a request.
    Ca,
    /// An event checkpoint could not be read or written.
    Checkpoint,
}

/// The stages of a transaction, for timeouts and errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Stage {
    /// Connecting to a peer or orderer.
    Connect,
    /// Evaluating (querying) on a peer.
    Evaluate,
    /// Collecting endorsements.
    Endorse,
    /// Sending to the orderer.
    Submit,
    /// Waiting for the commit.
    Commit,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stage::Connect => "connect",
            Stage::Evaluate => "evaluate",
            Stage::Endorse => "endorse",
            Stage::Submit => "submit",
            Stage::Commit => "commit",
        })
    }
}

/// What one peer answered (or failed to answer) during endorsement or evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerFailure {
    /// The peer's name in the profile.
    pub peer: String,
    /// The address dialed.
    pub address: String,
    /// The chaincode or peer status (e.g. 500; 500 too when the peer refused the call with a
    /// gRPC error, e.g. access denied), or 0 when the peer could not be reached.
    pub status: i32,
    /// The peer's message, or the transport error.
    pub message: String,
    /// The peer's MSP ID when known (the Gateway reports it in its error details), else empty.
    pub msp_id: String,
}

impl fmt::Display for PeerFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.status == 0 {
            write!(f, "{} ({}): {}", self.peer, self.address, self.message)
        } else {
            write!(
                f,
                "{} ({}): status {}, {}",
                self.peer, self.address, self.status, self.message
            )
        }
    }
}

/// A line and column in a profile, both counted from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// Line, from 1.
    pub line: u32,
    /// Column, from 1.
    pub column: u32,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// What is wrong with a connection profile.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigProblem {
    /// The file could not be read.
    Unreadable {
        /// The operating system's reason.
        reason: String,
    },
    /// The text is not valid YAML or JSON.
    Syntax {
        /// The parser's description.
        message: String,
    },
    /// The content is not a profile format fabweave knows.
    UnknownFormat,
    /// A required key is absent.
    MissingKey,
    /// A value has the wrong type or form.
    InvalidValue {
        /// What was expected, e.g. "a URL such as grpcs://host:port".
        expected: String,
        /// What was found.
        found: String,
    },
    /// A name refers to an entry that is not defined (e.g. a channel naming an unknown peer).
    Undefined {
        /// What kind of entry: "peer", "orderer", "organization", "certificate authority".
        what: &'static str,
        /// The name that was not found.
        name: String,
    },
    /// An organization has no MSP ID.
    MissingMspId {
        /// The organization's key in the profile.
        org: String,
    },
    /// A TLS CA entry does not hold a certificate.
    NotACertificate {
        /// Why the PEM or file did not parse as an X.509 certificate.
        reason: String,
    },
    /// A path names an environment variable that is not set.
    UnsetVariable {
        /// The variable's name.
        name: String,
    },
    /// A file the profile names does not exist or cannot be read.
    MissingFile {
        /// The path as resolved.
        path: PathBuf,
        /// The operating system's reason.
        reason: String,
    },
    /// A regular expression in `entityMatchers` does not compile.
    BadPattern {
        /// The regex compiler's message.
        message: String,
    },
    /// Absolute paths did not exist and were found under the profile's folder instead (a
    /// download unpacked somewhere other than where the console baked in).
    Rerooted {
        /// The folder they were found under.
        dir: PathBuf,
        /// How many paths.
        count: usize,
    },
    /// The profile names a user whose certificate or key cannot be found.
    UnknownUser {
        /// The user name.
        user: String,
        /// The organization.
        org: String,
    },
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigProblem::Unreadable { reason } => write!(f, "cannot read the file: {reason}"),
            ConfigProblem::Syntax { message } => write!(f, "syntax error: {message}"),
            ConfigProblem::UnknownFormat => f.write_str(
                "not a connection profile: expected a fabric-sdk-go config.yaml or a common \
                 connection profile (top-level `organizations`, `peers`, `client`, ...)",
            ),
            ConfigProblem::MissingKey => f.write_str("required key is missing"),
            ConfigProblem::InvalidValue { expected, found } => {
                write!(f, "expected {expected}, found {found}")
            }
            ConfigProblem::Undefined { what, name } => {
                write!(f, "{what} `{name}` is not defined in the profile")
            }
            ConfigProblem::MissingMspId { org } => {
                write!(f, "organization `{org}` has no MSP ID (key `mspid`)")
            }
            ConfigProblem::NotACertificate { reason } => {
                write!(f, "not an X.509 certificate: {reason}")
            }
            ConfigProblem::UnsetVariable { name } => {
                write!(f, "environment variable `{name}` is not set")
            }
            ConfigProblem::MissingFile { path, reason } => {
                write!(f, "cannot read `{}`: {reason}", path.display())
            }
            ConfigProblem::BadPattern { message } => write!(f, "bad regular expression: {message}"),
            ConfigProblem::Rerooted { dir, count } => write!(
                f,
                "{count} absolute path(s) in the profile do not exist; the files were found \
                 under {} instead",
                dir.display()
            ),
            ConfigProblem::UnknownUser { user, org } => {
                write!(
                    f,
                    "no certificate or key for user `{user}` of organization `{org}`"
                )
            }
        }
    }
}

/// What is wrong with an identity.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdentityProblem {
    /// A file or folder could not be read.
    Unreadable {
        /// The operating system's reason.
        reason: String,
    },
    /// The PEM or DER could not be parsed.
    Malformed {
        /// What was being read: "certificate", "private key".
        what: &'static str,
        /// The parser's reason.
        reason: String,
    },
    /// The key uses an algorithm or curve fabweave does not sign with.
    UnsupportedKey {
        /// The algorithm or curve found.
        algorithm: String,
    },
    /// A folder that should hold exactly one file (e.g. `keystore/`) holds none or several.
    NotExactlyOneFile {
        /// How many files were found.
        found: usize,
    },
    /// The private key does not belong to the certificate. The error's file is the key.
    KeyCertMismatch {
        /// The certificate file, when the certificate came from one.
        certificate: Option<PathBuf>,
    },
    /// A folder that should hold one file (e.g. an MSP's `signcerts/`) holds several.
    SeveralFiles {
        /// The files' names, sorted.
        files: Vec<String>,
    },
    /// None of the key files in a folder (an MSP's `keystore/`) belongs to the certificate.
    NoMatchingKey {
        /// The key files' names, sorted.
        files: Vec<String>,
        /// The certificate file.
        certificate: PathBuf,
    },
    /// The private key is encrypted and no passphrase was given.
    PassphraseRequired,
    /// The passphrase does not decrypt the key.
    WrongPassphrase,
    /// The certificate's validity ended.
    Expired {
        /// NotAfter, as RFC 3339.
        not_after: String,
        /// How long ago, in seconds.
        seconds_ago: u64,
    },
    /// The certificate is not valid yet.
    NotYetValid {
        /// NotBefore, as RFC 3339.
        not_before: String,
        /// How far in the future, in seconds.
        seconds_ahead: u64,
    },
    /// A user named by the profile has no certificate or key files.
    UserNotFound {
        /// The user name.
        user: String,
        /// The MSP ID or organization.
        org: String,
    },
}

fn human_duration(secs: u64) -> String {
    match secs {
        0..=119 => format!("{secs} s"),
        120..=7199 => format!("{} min", secs / 60),
        7200..=172_799 => format!("{} h", secs / 3600),
        _ => format!("{} days", secs / 86_400),
    }
}

impl fmt::Display for IdentityProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdentityProblem::Unreadable { reason } => write!(f, "cannot read: {reason}"),
            IdentityProblem::Malformed { what, reason } => write!(f, "malformed {what}: {reason}"),
            IdentityProblem::UnsupportedKey { algorithm } => write!(
                f,
                "unsupported key: {algorithm}; fabweave signs with ECDSA P-256"
            ),
            IdentityProblem::NotExactlyOneFile { found } => write!(
                f,
                "expected exactly one certificate or key file in this folder, found {found}; \
                 put the enrollment's file there, or name the file explicitly"
            ),
            IdentityProblem::KeyCertMismatch { certificate: None } => f.write_str(
                "the private key does not match the certificate's public key; \
                 check that both come from the same enrollment",
            ),
            IdentityProblem::KeyCertMismatch {
                certificate: Some(cert),
            } => write!(
                f,
                "the private key does not match the public key of certificate {}; \
                 check that both come from the same enrollment",
                cert.display()
            ),
            IdentityProblem::SeveralFiles { files } => write!(
                f,
                "expected one file in this folder, found {}: {}; remove the extra ones, \
                 or name the file explicitly",
                files.len(),
                files.join(", ")
            ),
            IdentityProblem::NoMatchingKey { files, certificate } => write!(
                f,
                "none of the key files ({}) matches the public key of certificate {}; \
                 check that the certificate and keys come from the same enrollment",
                files.join(", "),
                certificate.display()
            ),
            IdentityProblem::PassphraseRequired => {
                f.write_str("the private key is encrypted; give its passphrase")
            }
            IdentityProblem::WrongPassphrase => {
                f.write_str("the passphrase does not decrypt the private key")
            }
            IdentityProblem::Expired {
                not_after,
                seconds_ago,
            } => write!(
                f,
                "certificate expired at {not_after}, {} ago; reenroll to get a new one",
                human_duration(*seconds_ago)
            ),
            IdentityProblem::NotYetValid {
                not_before,
                seconds_ahead,
            } => write!(
                f,
                "certificate is not valid until {not_before}, {} from now; either this \
                 machine's clock is behind (check NTP), or the CA backdates NotBefore by 5 min \
                 on a freshly created network and the certificate is younger than that \
                 (wait, or set the CA's backdate)",
                human_duration(*seconds_ahead)
            ),
            IdentityProblem::UserNotFound { user, org } => write!(
                f,
                "no certificate and key found for user `{user}` of `{org}`"
            ),
        }
    }
}

/// fabweave's error.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A connection profile could not be read, or is inconsistent.
    Config {
        /// The profile file, when the profile came from one.
        file: Option<PathBuf>,
        /// The key path inside the profile, e.g. `channels.mychannel.peers.peer0`.
        key: Option<String>,
        /// Line and column, for syntax errors and where the parser knows them.
        position: Option<Position>,
        /// What is wrong.
        problem: ConfigProblem,
    },
    /// An identity could not be loaded or used.
    Identity {
        /// The certificate, key or folder concerned.
        file: Option<PathBuf>,
        /// What is wrong.
        problem: IdentityProblem,
    },
    /// A cryptographic operation failed.
    Crypto {
        /// What failed.
        message: String,
    },
    /// A connection could not be made, or broke.
    Transport {
        /// The address.
        endpoint: String,
        /// What happened.
        message: String,
    },
    /// Endorsement or evaluation failed; one entry per peer tried.
    Endorse {
        /// The transaction id of the proposal.
        tx_id: String,
        /// A summary (e.g. "endorsements differ").
        message: String,
        /// What each peer answered.
        peers: Vec<PeerFailure>,
    },
    /// No orderer accepted the transaction.
    Submit {
        /// The transaction id.
        tx_id: String,
        /// The last orderer tried.
        orderer: String,
        /// Its status (`common.Status`, e.g. 503), or 0 when the call failed.
        status: i32,
        /// Its info or the transport error.
        message: String,
        /// What each orderer said, as the peer Gateway reports it (its `ErrorDetail`s); empty
        /// in the client-side flow, where `orderer` and `message` describe the last one tried.
        orderers: Vec<PeerFailure>,
    },
    /// The transaction was ordered into a block but is invalid.
    Commit {
        /// The transaction id.
        tx_id: String,
        /// The validation code (`TxValidationCode`), e.g. 11.
        code: i32,
        /// The code's name, e.g. `MVCC_READ_CONFLICT`.
        code_name: String,
        /// The block it is in.
        block: u64,
    },
    /// A stage ran out of time.
    Timeout {
        /// The stage.
        stage: Stage,
        /// The deadline that passed.
        after: std::time::Duration,
        /// The transaction id, when there is one.
        tx_id: Option<String>,
        /// What was being waited for (an address, a peer).
        waiting_for: Option<String>,
    },
    /// A peer or orderer answered with something malformed or unexpected.
    Protocol {
        /// Who answered.
        endpoint: String,
        /// What is wrong.
        message: String,
    },
    /// A transaction left the client, and what became of it is not known: an orderer took it
    /// without answering, or the commit wait ended before any peer reported it — and the
    /// ledger, asked afterwards, could not settle it. It may still be committed; fabweave did
    /// not send it again.
    Indeterminate {
        /// The transaction id: look it up later (e.g. qscc `GetTransactionByID`).
        tx_id: String,
        /// Where it was lost sight of (`Submit` or `Commit`).
        stage: Stage,
        /// What happened, and what the ledger said.
        message: String,
    },
    /// A submit was tried several times (as new transactions) and the last attempt failed.
    Retried {
        /// Every attempt, the last one included.
        attempts: Vec<crate::flow::Attempt>,
        /// The last attempt's error.
        last: Box<Error>,
    },
    /// The client was built with [`crate::flow::Mode::Gateway`], but the peers it asked do not
    /// offer the peer Gateway service (they answered `UNIMPLEMENTED`: Fabric before 2.4, or
    /// `peer.gateway.enabled: false`). Nothing was sent for endorsement.
    NoGateway {
        /// The peers asked (name and address).
        peers: Vec<String>,
    },
    /// Service discovery could not say which peers to use: no peer answered, or the answer
    /// was an error (e.g. access denied, no combination of peers satisfies the policy).
    Discovery {
        /// The channel asked about.
        channel: String,
        /// The peers asked, with what each said (`name (address): message`).
        peers: Vec<String>,
        /// What went wrong, and what to do when known.
        message: String,
    },
    /// A Fabric CA server refused a request (see [`crate::ca`]): the error of its response
    /// envelope, or an HTTP error status without one.
    Ca {
        /// The request's URL, e.g. `https://ca.org1.example.com:7054/api/v1/enroll`.
        url: String,
        /// The HTTP status, e.g. 401.
        status: u16,
        /// The CA's error code (`errors[0].code`, e.g. 20 "Authentication failure", 71
        /// "Authorization failure"), or 0 when the answer carried none.
        code: i64,
        /// The CA's message (every error's message, joined with `; `, when there are several),
        /// or the start of the body when the answer was not a CA envelope.
        message: String,
        /// What the code usually means and what to check, for the known cases.
        hint: Option<String>,
    },
    /// An event checkpoint (see [`crate::events::Checkpointer`]) could not be read or written:
    /// the file is unreadable, corrupt, or cannot be replaced.
    Checkpoint {
        /// The checkpoint file, for file checkpointers.
        file: Option<PathBuf>,
        /// What is wrong.
        message: String,
    },
    /// An event stream could not read from any peer of its channel for longer than it was
    /// allowed to (see [`crate::events::EventOptions::give_up_after`]).
    EventsUnavailable {
        /// The channel.
        channel: String,
        /// How long no peer could be read from.
        after: std::time::Duration,
        /// What each peer tried last said.
        peers: Vec<PeerFailure>,
    },
}

impl Error {
    /// The stage or area the error comes from.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Config { .. } => ErrorKind::Config,
            Error::Identity { .. } => ErrorKind::Identity,
            Error::Crypto { .. } => ErrorKind::Crypto,
            Error::Transport { .. } => ErrorKind::Transport,
            Error::Endorse { .. } => ErrorKind::Endorse,
            Error::Submit { .. } => ErrorKind::Submit,
            Error::Commit { .. } => ErrorKind::Commit,
            Error::Timeout { .. } => ErrorKind::Timeout,
            Error::Protocol { .. } => ErrorKind::Protocol,
            Error::Discovery { .. } => ErrorKind::Discovery,
            Error::Indeterminate { .. } => ErrorKind::Indeterminate,
            Error::Retried { last, .. } => last.kind(),
            Error::Ca { .. } => ErrorKind::Ca,
            Error::NoGateway { .. } => ErrorKind::Config,
            Error::Checkpoint { .. } => ErrorKind::Checkpoint,
            Error::EventsUnavailable { .. } => ErrorKind::Transport,
        }
    }

    /// Whether the failed operation may be tried again as a new transaction without looking at
    /// the ledger first: it certainly did not change the ledger, and a new try may succeed. The
    /// submit retry loop uses exactly this rule.
    ///
    /// Retryable: a broken or refused connection; peers that could not be reached or were
    /// unavailable (no endorsement collected); a submit no orderer took and none may have
    /// (status 0, 500, 503: the submit stage reports [`Error::Submit`] only then); a read
    /// conflict at commit (MVCC, phantom: on the ledger but without effect); running out of
    /// time connecting. Not retryable: chaincode errors, bad signatures, policy failures, an
    /// orderer's 4xx refusal, an endorsement or evaluation that ran out of time (as slow
    /// again), and anything whose outcome is unknown ([`Error::Indeterminate`], a submit- or
    /// commit-stage timeout) — those are settled from the ledger instead.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Commit { code, .. } => matches!(*code, 11 | 12),
            Error::Endorse { peers, .. } => {
                !peers.is_empty() && peers.iter().all(|p| p.status == 0 || p.status == 503)
            }
            Error::Submit { status, .. } => matches!(*status, 0 | 500 | 503),
            Error::Timeout {
                stage: Stage::Connect,
                ..
            } => true,
            Error::Transport { .. } | Error::EventsUnavailable { .. } => true,
            _ => false,
        }
    }

    /// The transaction id the error concerns, if any.
    pub fn tx_id(&self) -> Option<&str> {
        match self {
            Error::Endorse { tx_id, .. }
            | Error::Submit { tx_id, .. }
            | Error::Commit { tx_id, .. } => Some(tx_id),
            Error::Timeout { tx_id, .. } => tx_id.as_deref(),
            Error::Indeterminate { tx_id, .. } => Some(tx_id),
            Error::Retried { last, .. } => last.tx_id(),
            _ => None,
        }
    }

    /// A configuration error at `key` (no file yet; loaders add it with [`Error::in_file`]).
    pub(crate) fn config(key: impl Into<String>, problem: ConfigProblem) -> Error {
        let key = key.into();
        Error::Config {
            file: None,
            key: (!key.is_empty()).then_some(key),
            position: None,
            problem,
        }
    }

    /// An identity error concerning `file`.
    pub(crate) fn identity(file: Option<PathBuf>, problem: IdentityProblem) -> Error {
        Error::Identity { file, problem }
    }

    /// [`Error::in_file`] when there is a file.
    pub(crate) fn in_file_opt(self, path: Option<&std::path::Path>) -> Error {
        match path {
            Some(p) => self.in_file(p),
            None => self,
        }
    }

    /// Sets the file of a configuration or identity error that has none.
    pub(crate) fn in_file(mut self, path: &std::path::Path) -> Error {
        match &mut self {
            Error::Config { file, .. } | Error::Identity { file, .. } if file.is_none() => {
                *file = Some(path.to_path_buf());
            }
            _ => {}
        }
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Config {
                file,
                key,
                position,
                problem,
            } => {
                f.write_str("profile")?;
                if let Some(file) = file {
                    write!(f, " {}", file.display())?;
                }
                if let Some(pos) = position {
                    write!(f, ":{pos}")?;
                }
                if let Some(key) = key {
                    write!(f, " at `{key}`")?;
                }
                write!(f, ": {problem}")
            }
            Error::Identity { file, problem } => {
                f.write_str("identity")?;
                if let Some(file) = file {
                    write!(f, " {}", file.display())?;
                }
                write!(f, ": {problem}")
            }
            Error::Crypto { message } => write!(f, "crypto: {message}"),
            Error::Transport { endpoint, message } => {
                write!(f, "connection to {endpoint} failed: {message}")
            }
            Error::Endorse {
                tx_id,
                message,
                peers,
            } => {
                write!(f, "endorsement of {tx_id} failed: {message}")?;
                for p in peers {
                    write!(f, "; {p}")?;
                }
                Ok(())
            }
            Error::Submit {
                tx_id,
                orderer,
                status,
                message,
                orderers,
            } => {
                write!(
                    f,
                    "orderer {orderer} did not accept {tx_id}: status {status}, {message}"
                )?;
                for o in orderers {
                    write!(f, "; {o}")?;
                }
                Ok(())
            }
            Error::NoGateway { peers } => write!(
                f,
                "the peer Gateway service is not offered by {} (the peer answered UNIMPLEMENTED: \
                 Fabric before 2.4, or peer.gateway.enabled is false); build the client with \
                 Mode::Auto or Mode::Client to use the client-side flow, or enable the Gateway \
                 on the peers",
                if peers.is_empty() {
                    "the peers asked".to_owned()
                } else {
                    peers.join(", ")
                }
            ),
            Error::Commit {
                tx_id,
                code,
                code_name,
                block,
            } => write!(
                f,
                "transaction {tx_id} is invalid in block {block}: {code_name} ({code})"
            ),
            Error::Timeout {
                stage,
                after,
                tx_id,
                waiting_for,
            } => {
                write!(f, "{stage} timed out after {after:?}")?;
                if let Some(t) = tx_id {
                    write!(f, " for {t}")?;
                }
                if let Some(w) = waiting_for {
                    write!(f, " waiting for {w}")?;
                }
                Ok(())
            }
            Error::Protocol { endpoint, message } => {
                write!(f, "unexpected answer from {endpoint}: {message}")
            }
            Error::Indeterminate {
                tx_id,
                stage,
                message,
            } => write!(
                f,
                "transaction {tx_id}: outcome unknown after the {stage} stage: {message}; it \
                 was not sent again — look it up before trying again"
            ),
            Error::Retried { attempts, last } => {
                write!(f, "gave up after {} attempts (", attempts.len())?;
                for (i, a) in attempts.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    let short = a.tx_id.get(..8).unwrap_or(&a.tx_id);
                    match &a.outcome {
                        crate::flow::AttemptOutcome::Committed { block } => {
                            write!(f, "{short}…: committed in block {block}")?
                        }
                        crate::flow::AttemptOutcome::Failed(e) => match e {
                            Error::Commit { code_name, .. } => write!(f, "{short}…: {code_name}")?,
                            other => write!(f, "{short}…: {:?}", other.kind())?,
                        },
                    }
                }
                write!(f, "); last: {last}")
            }
            Error::Discovery {
                channel,
                peers,
                message,
            } => {
                write!(f, "service discovery on channel {channel}: {message}")?;
                for p in peers {
                    write!(f, "; {p}")?;
                }
                Ok(())
            }
            Error::Ca {
                url,
                status,
                code,
                message,
                hint,
            } => {
                write!(f, "CA {url} answered HTTP {status}")?;
                if *code != 0 {
                    write!(f, ", code {code}")?;
                }
                write!(f, ": {message}")?;
                if let Some(hint) = hint {
                    write!(f, " ({hint})")?;
                }
                Ok(())
            }
            Error::Checkpoint { file, message } => {
                f.write_str("event checkpoint")?;
                if let Some(file) = file {
                    write!(f, " {}", file.display())?;
                }
                write!(f, ": {message}")
            }
            Error::EventsUnavailable {
                channel,
                after,
                peers,
            } => {
                write!(
                    f,
                    "no peer of channel {channel} could deliver events for {after:?}"
                )?;
                if peers.is_empty() {
                    f.write_str(" (no event-source peer known)")?;
                }
                for p in peers {
                    write!(f, "; {p}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    fn timeout(stage: Stage) -> Error {
        Error::Timeout {
            stage,
            after: std::time::Duration::from_secs(1),
            tx_id: Some("t".into()),
            waiting_for: None,
        }
    }

    #[test]
    fn retryable_only_when_the_ledger_is_certainly_unchanged() {
        assert!(timeout(Stage::Connect).is_retryable());
        // An envelope may have left before a submit ran out of time: the orderers may order it.
        assert!(!timeout(Stage::Submit).is_retryable());
        // A slow chaincode would be as slow again; a commit wait may end in a commit.
        assert!(!timeout(Stage::Endorse).is_retryable());
        assert!(!timeout(Stage::Evaluate).is_retryable());
        assert!(!timeout(Stage::Commit).is_retryable());
        let doubt = Error::Indeterminate {
            tx_id: "t".into(),
            stage: Stage::Submit,
            message: "the orderer broke off".into(),
        };
        assert!(!doubt.is_retryable());
    }
}
