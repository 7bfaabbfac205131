"""fabweave: a Hyperledger Fabric client SDK with a Rust core.

Connect with a connection profile as downloaded (fabric-sdk-go ``config.yaml``, common
connection profiles in JSON or YAML), then submit and evaluate transactions::

    with fabweave.connect("org1-sdk-config.yaml", user="User1") as client:
        contract = client.network("mychannel").contract("basic")
        done = contract.submit("CreateAsset", "a1", "blue")
        value = contract.evaluate("ReadAsset", "a1")

``fabweave.aio`` has the same calls as coroutines.
"""

import logging as _logging

from ._fabweave import (
    Attempt,
    BlockEvent,
    BlockEventStream,
    CaClient,
    CaError,
    CaInfo,
    ChainInfo,
    ChaincodeEvent,
    ChaincodeEventStream,
    Checkpoint,
    CheckpointError,
    Checkpointer,
    Client,
    CommitError,
    Committed,
    Contract,
    CryptoError,
    DiscoveryError,
    EndorseError,
    Enrollment,
    FabweaveError,
    FileCheckpointer,
    FileWallet,
    Identity,
    IdentityError,
    IdentityInfo,
    InMemoryCheckpointer,
    InMemoryWallet,
    IndeterminateError,
    Ledger,
    Network,
    ProfileError,
    Proposal,
    ProtocolError,
    RetryPolicy,
    Revocation,
    SubmitError,
    Submitted,
    TimeoutError,
    Transaction,
    TransportError,
    Wallet,
    connect,
    flush_logs,
    refresh_log_level,
)

__all__ = [
    "Attempt",
    "BlockEvent",
    "BlockEventStream",
    "CaClient",
    "CaError",
    "CaInfo",
    "ChainInfo",
    "ChaincodeEvent",
    "ChaincodeEventStream",
    "Checkpoint",
    "CheckpointError",
    "Checkpointer",
    "Client",
    "CommitError",
    "Committed",
    "Contract",
    "CryptoError",
    "DiscoveryError",
    "EndorseError",
    "Enrollment",
    "FabweaveError",
    "FileCheckpointer",
    "FileWallet",
    "Identity",
    "IdentityError",
    "IdentityInfo",
    "InMemoryCheckpointer",
    "InMemoryWallet",
    "IndeterminateError",
    "Ledger",
    "Network",
    "ProfileError",
    "Proposal",
    "ProtocolError",
    "RetryPolicy",
    "Revocation",
    "SubmitError",
    "Submitted",
    "TimeoutError",
    "Transaction",
    "TransportError",
    "Wallet",
    "connect",
    "flush_logs",
    "refresh_log_level",
]

# A library's logger gets a NullHandler (Python's logging convention): fabweave's records reach
# the handlers the application configures, and nothing is printed when it configures none.
_logging.getLogger("fabweave").addHandler(_logging.NullHandler())
