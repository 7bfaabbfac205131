"""Quick start in Python: load a downloaded profile, submit a transaction, read it back.

    pip install ./bindings-python
    tests/network/net up
    python examples/python/quickstart.py                 # the local network's BCS-style profile
    python examples/python/quickstart.py PROFILE USER CHANNEL CHAINCODE
"""

import sys
import time
from pathlib import Path

import fabweave

REPO = Path(__file__).resolve().parents[2]
DEFAULT_PROFILE = REPO / ".net/27000/profiles/org1/bcs/org1-user-sdk-config.yaml"


def main(argv: list[str]) -> int:
    profile, user, channel, chaincode = (argv + [None] * 4)[:4]
    profile = profile or str(DEFAULT_PROFILE)
    user = user or "User1"
    channel = channel or "mychannel"
    chaincode = chaincode or "kv"

    try:
        with fabweave.connect(profile, user=user) as client:
            print(f"connected as {user} ({client.msp_id})")
            contract = client.network(channel).contract(chaincode)
            key = f"quickstart-py-{time.time_ns()}"
            done = contract.submit("put", key, "hello, fabric")
            print(
                f"submitted put({key}): tx {done.tx_id} committed in block "
                f"{done.block_number} via {done.via}"
            )
            value = contract.evaluate("get", key)
            print(f"evaluated get({key}): {value.decode()}")
    except fabweave.FabweaveError as e:
        print(f"quickstart: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
