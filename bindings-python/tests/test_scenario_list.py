"""The Python suite runs exactly the scenarios tests/scenarios.json lists for it. Needs no network.

Each test of a scenario is marked @pytest.mark.scenario("<id>"); several tests may share an id
(sync and asyncio variants, say). sdk-core/tests/scenario_list.rs checks the Rust side.
"""

import importlib
import inspect
import json
from pathlib import Path

TESTS = Path(__file__).resolve().parent
LIST = TESTS.parents[1] / "tests" / "scenarios.json"


def marked_ids() -> dict[str, list[str]]:
    """Scenario id -> the tests (module::function) marked with it, across tests/test_*.py."""
    found: dict[str, list[str]] = {}
    for path in sorted(TESTS.glob("test_*.py")):
        module = importlib.import_module(path.stem)
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if not name.startswith("test_") or fn.__module__ != module.__name__:
                continue
            for mark in getattr(fn, "pytestmark", []):
                if mark.name == "scenario":
                    assert len(mark.args) == 1 and not mark.kwargs, f"{name}: {mark}"
                    found.setdefault(mark.args[0], []).append(f"{path.stem}::{name}")
    return found


def listed_ids(suite: str) -> set[str]:
    data = json.loads(LIST.read_text())
    assert suite in data["suites"]
    return {s["id"] for s in data["scenarios"] if suite in s["suites"]}


def test_python_suite_runs_exactly_its_listed_scenarios():
    marked = marked_ids()
    listed = listed_ids("python")
    missing = sorted(listed - set(marked))
    unlisted = sorted(set(marked) - listed)
    assert not missing, f"listed for python in {LIST} but no test is marked with: {missing}"
    assert not unlisted, f"marked in the Python tests but not listed for python: {unlisted}"


def test_scenario_marker_is_registered(pytestconfig):
    lines = pytestconfig.getini("markers")
    assert any(line.startswith("scenario(") for line in lines)

