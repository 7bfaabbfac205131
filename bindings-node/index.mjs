// fabweave for Node.js as an ES module: the CommonJS package (index.js) re-exported by name.
import fabweave from './index.js';

export const {
  connect,
  Client,
  Network,
  Contract,
  Identity,
  Wallet,
  InMemoryWallet,
  FileWallet,
  Proposal,
  Transaction,
  Submitted,
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
} = fabweave;

export default fabweave;
