"""The real local Fabric network for the Python tests (tests/network/net at base 26400).

The network is brought up once per session and torn down at the end, also when tests fail.
FABWEAVE_PY_NET_BASE moves the base port.
"""

import json
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NET = REPO / "tests" / "network" / "net"
# FABWEAVE_TEST_NET_BASE_OFFSET moves every suite's network, as for the Rust tests.
BASE = int(os.environ.get("FABWEAVE_PY_NET_BASE", "26400")) + int(
    os.environ.get("FABWEAVE_TEST_NET_BASE_OFFSET", "0")
)
USER = "User1"
CHANNEL = "mychannel"


def _net(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(NET), "--base", str(BASE), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
    )


_failed_up: list[str] = []


@pytest.fixture(scope="session")
def network():
    """The manifest (network.json) of a running network."""
    if _failed_up:  # a failed session fixture is set up again for every test: fail at once
        pytest.fail(_failed_up[0])
    up = _net("up")
    try:
        if up.returncode != 0:
            _failed_up.append(
                f"tests/network/net --base {BASE} up failed:\n{up.stdout}\n{up.stderr}"
            )
            pytest.fail(_failed_up[0])
        manifest = json.loads((REPO / ".net" / str(BASE) / "network.json").read_text())
        yield manifest
    finally:
        down = _net("down")
        if down.returncode != 0:
            print(f"tests/network/net --base {BASE} down failed:\n{down.stderr}")


def profile_of(manifest: dict, org: str) -> str:
    """The path of `org`'s BCS-style user profile."""
    return manifest["orgs"][org]["profiles"]["bcsUser"]


def pytest_configure(config):
    # Scenarios of the one list in tests/scenarios.json (checked by test_scenario_list.py).
    config.addinivalue_line(
        "markers",
        "restarts_orderer: stops and restarts an orderer; runs after every other test of the "
        "session (a Fabric Gateway may keep a broken connection to the restarted orderer for a "
        "while, and Gateway submits of later tests would then end in doubt)",
    )
    config.addinivalue_line(
        "markers", "scenario(id): runs the scenario `id` of tests/scenarios.json"
    )


def net_command(*args: str) -> subprocess.CompletedProcess:
    """`tests/network/net --base BASE ARGS` on the session's network (e.g. "stop", "peer0.org1")."""
    return _net(*args)


def node_pid(node: str) -> int:
    """The PID of a running node of the session's network."""
    return int((REPO / ".net" / str(BASE) / "run" / f"{node}.pid").read_text().strip())


def pytest_collection_modifyitems(session, config, items):
    """Tests that restart an orderer run last (see the restarts_orderer marker)."""
    items.sort(key=lambda item: item.get_closest_marker("restarts_orderer") is not None)
