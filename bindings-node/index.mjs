// fabweave for Node.js as an ES module: the CommonJS package (index.js) re-exported by name.
import fabweave from './index.js';

export const {
  connect,
  Client,
  Network,
  Contract,
  CaClient,
  Enrollment,
  Ledger,
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
  EventStream,
  BlockEvent,
  Checkpointer,
  InMemoryCheckpointer,
  FileCheckpointer,
} = fabweave;

export default fabweave;
