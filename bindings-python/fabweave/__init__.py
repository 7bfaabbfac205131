"""fabweave: a Hyperledger Fabric client SDK with a Rust core.

Connect with a connection profile as downloaded (fabric-sdk-go ``config.yaml``, common
connection profiles in JSON or YAML), then submit and evaluate transactions::

    with fabweave.connect("org1-sdk-config.yaml", user="User1") as client:
        contract = client.network("mychannel").contract("basic")
        done = contract.submit("CreateAsset", "a1", "blue")
        value = contract.evaluate("ReadAsset", "a1")

``fabweave.aio`` has the same calls as coroutines.
"""

from ._fabweave import (
    Identity,
    RetryPolicy,
    ChaincodeEvent,
    Attempt,
    CaError,
    CheckpointError,
    Client,
    CommitError,
    Committed,
    Contract,
    CryptoError,
    DiscoveryError,
    EndorseError,
    FabweaveError,
    IdentityError,
    IndeterminateError,
    Network,
    ProfileError,
    ProtocolError,
    SubmitError,
    TimeoutError,
    TransportError,
    connect,
)
from ._fabweave import flush_logs, refresh_log_level

__all__ = [
    "Identity",
    "RetryPolicy",
    "ChaincodeEvent",
    "Attempt",
    "CaError",
    "CheckpointError",
    "Client",
    "CommitError",
    "Committed",
    "Contract",
    "CryptoError",
    "DiscoveryError",
    "EndorseError",
    "FabweaveError",
    "IdentityError",
    "IndeterminateError",
    "Network",
    "ProfileError",
    "ProtocolError",
    "SubmitError",
    "TimeoutError",
    "TransportError",
    "connect",
    "flush_logs",
    "refresh_log_level",
]
