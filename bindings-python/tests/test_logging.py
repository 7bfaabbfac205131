"""sdk-core's tracing events as records of Python's logging, against the real network."""

import logging
import subprocess
import time

import fabweave
from conftest import BASE, CHANNEL, NET, REPO, USER, profile_of


def unique(name: str) -> str:
    return f"{name}-{time.time_ns()}"


def fabweave_records(caplog) -> list[logging.LogRecord]:
    """The records of the fabweave loggers seen so far, once every queued one was handled."""
    assert fabweave.flush_logs()
    return [r for r in caplog.records if r.name == "fabweave" or r.name.startswith("fabweave.")]


def submit_once(network, **connect) -> fabweave.Committed:
    with fabweave.connect(profile_of(network, "org1"), user=USER, **connect) as client:
        key = unique("py-log")
        return client.network(CHANNEL).contract("kv_or").submit("put", key, "v")


def test_submit_at_debug_logs_connections_with_fields(network, caplog):
    caplog.set_level(logging.DEBUG, logger="fabweave")
    done = submit_once(network)
    records = fabweave_records(caplog)
    # A new client dials its peers on first use: sdk-core's transport says so at DEBUG.
    connected = [r for r in records if r.getMessage().startswith("connected")]
    assert connected, [r.getMessage() for r in records]
    r = connected[0]
    assert r.name == "fabweave.transport"
    assert r.levelno == logging.DEBUG and r.levelname == "DEBUG"
    assert r.pathname.endswith("transport/mod.rs") and r.lineno > 0
    address = r.fabweave_fields["address"]
    assert address.startswith("127.0.0.1:") and f"address={address}" in r.getMessage()
    # Events inside a submit carry the submit span's fields.
    in_submit = [rec for rec in records if rec.fabweave_fields.get("function") == "put"]
    assert in_submit, [(rec.getMessage(), rec.fabweave_fields) for rec in records]
    assert all(rec.fabweave_fields["chaincode"] == "kv_or" for rec in in_submit)
    assert all(rec.fabweave_fields["channel"] == CHANNEL for rec in in_submit)
    assert done.block_number > 0


def test_warning_level_lets_no_debug_record_through(network, caplog):
    caplog.set_level(logging.WARNING, logger="fabweave")
    submit_once(network)
    below = [r for r in fabweave_records(caplog) if r.levelno < logging.WARNING]
    assert below == []


def test_level_changes_are_picked_up_per_child_logger(network, caplog):
    # "fabweave" at WARNING, only its transport child at DEBUG: the transport's DEBUG records
    # arrive, no other DEBUG or INFO does.
    caplog.set_level(logging.WARNING, logger="fabweave")
    caplog.set_level(logging.DEBUG, logger="fabweave.transport")
    submit_once(network)
    records = fabweave_records(caplog)
    assert any(r.getMessage().startswith("connected") for r in records)
    assert all(
        r.name == "fabweave.transport" for r in records if r.levelno < logging.WARNING
    ), [(r.name, r.getMessage()) for r in records]

    # setLevel is noticed without refresh_log_level(): nothing below WARNING any more.
    logging.getLogger("fabweave.transport").setLevel(logging.WARNING)
    caplog.clear()
    submit_once(network)
    assert [r for r in fabweave_records(caplog) if r.levelno < logging.WARNING] == []


def test_refresh_log_level_after_assigning_level(network, caplog):
    caplog.set_level(logging.DEBUG, logger="fabweave")
    logger = logging.getLogger("fabweave")
    try:
        # Assigning `level` bypasses setLevel: refresh_log_level() makes fabweave see it.
        logger.level = logging.WARNING
        fabweave.refresh_log_level()
        submit_once(network)
        assert [r for r in fabweave_records(caplog) if r.levelno < logging.WARNING] == []

        logger.level = logging.DEBUG
        fabweave.refresh_log_level()
        caplog.clear()
        submit_once(network)
        assert any(r.levelno == logging.DEBUG for r in fabweave_records(caplog))
    finally:
        logger.level = logging.DEBUG  # caplog restores the level it found at teardown
        fabweave.refresh_log_level()


def net(*args: str) -> None:
    out = subprocess.run(
        [str(NET), "--base", str(BASE), *args], cwd=REPO, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_stopped_peer_is_logged_at_debug_and_the_submit_commits(network, caplog):
    # sdk-core does not warn about one stopped peer: it sets the endpoint aside and reopens
    # the peer's commit event stream, both at DEBUG, and the call goes on with the others.
    caplog.set_level(logging.DEBUG, logger="fabweave")
    stopped = next(p for p in network["peers"] if p["name"] == "peer1.org1")
    with fabweave.connect(profile_of(network, "org1"), user=USER) as client:
        contract = client.network(CHANNEL).contract("kv_or")
        contract.submit("put", unique("py-log"), "v")  # streams to both Org1 peers are open
        fabweave.flush_logs()
        caplog.clear()
        net("stop", "peer1.org1")
        try:
            done = contract.submit("put", unique("py-log"), "v")
            assert done.block_number > 0
            time.sleep(0.5)
            records = fabweave_records(caplog)
        finally:
            net("start", "peer1.org1")
    about_it = [r for r in records if stopped["address"] in r.getMessage()]
    assert about_it, [r.getMessage() for r in records]
    assert all(r.levelno == logging.DEBUG for r in about_it)
    assert {r.name for r in about_it} <= {"fabweave.transport.health", "fabweave.events.stream"}


def test_all_discovery_peers_stopped_logs_a_warning(network, caplog):
    # The Org1 common connection profile names only Org1's peers: with both stopped, sdk-core
    # warns that discovery is unavailable (fabweave::routing::router) before the call fails.
    caplog.set_level(logging.DEBUG, logger="fabweave")
    profile = network["orgs"]["org1"]["profiles"]["ccpJson"]
    net("stop", "peer0.org1")
    try:
        net("stop", "peer1.org1")
        try:
            org1 = network["orgs"]["org1"]
            user = fabweave.Identity.from_files(
                org1["mspId"], org1["user1"]["cert"], org1["user1"]["key"]
            )
            with fabweave.connect(profile, identity=user, timeouts={"connect": 2}) as client:
                try:
                    client.network(CHANNEL).contract("kv_or").evaluate("get", "k")
                except fabweave.FabweaveError:
                    pass
            records = fabweave_records(caplog)
        finally:
            net("start", "peer1.org1")
    finally:
        net("start", "peer0.org1")
    warnings = [r for r in records if r.levelno == logging.WARNING]
    discovery = [r for r in warnings if r.getMessage().startswith("discovery unavailable")]
    assert discovery, [(r.levelname, r.getMessage()) for r in records]
    assert discovery[0].name == "fabweave.routing.router"
    assert discovery[0].levelname == "WARNING"
    assert discovery[0].fabweave_fields["channel"] == CHANNEL
