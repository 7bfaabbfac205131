"""Python asyncio against Rust on one network: committed tx/s and client CPU per transaction.

Brings up the local network (tests/network/net --base BASE up), builds the Rust load
generator (release) and the Python module (release, ``maturin develop --release`` into the
running interpreter's virtualenv), then runs, interleaved round by round so machine noise
falls on both alike, ``loadgen --only single`` and ``bench_submit.py``: the same workload
(``put`` of distinct 16-byte keys with 100-byte values on ``kv_or``, Org1 endorsing,
``--concurrency`` submitters, ``--count`` transactions after a warm-up). Prints each run and a
table of medians with the ratio Python/Rust; takes the network down at the end.

    .venv/bin/python bindings-python/bench/compare.py --base 23400 --rounds 3 --count 3000

``--keep-network`` uses (and leaves) a network that is already up; ``--no-build`` skips the
builds.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NET = REPO / "tests" / "network" / "net"
BENCH = Path(__file__).resolve().parent / "bench_submit.py"


def run(cmd: list[str], **kw) -> str:
    print("$ " + " ".join(cmd), flush=True)
    out = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, **kw)
    sys.stdout.write(out.stdout)
    sys.stderr.write(out.stderr)
    if out.returncode != 0:
        raise SystemExit(f"failed ({out.returncode}): {' '.join(cmd)}")
    return out.stdout


def single(output: str) -> dict[str, float]:
    """The ``single: key=value ...`` line both programs end with."""
    lines = [l for l in output.splitlines() if l.startswith("single: ")]
    if not lines:
        raise SystemExit("no 'single:' line in the output")
    return {k: float(v) for k, v in re.findall(r"(\w+)=([-\d.e+naninf]+)", lines[-1])}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--base", type=int, default=23400)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--concurrency", type=int, default=64)
    p.add_argument("--count", type=int, default=3000)
    p.add_argument("--keep-network", action="store_true")
    p.add_argument("--no-build", action="store_true")
    a = p.parse_args()

    if not a.no_build:
        run(["cargo", "build", "--release", "-p", "fabweave-examples", "--bin", "loadgen"])
        venv = os.environ.get("VIRTUAL_ENV") or sys.prefix
        maturin = [str(Path(sys.executable).parent / "maturin"), "develop", "--release", "-q"]
        print("$ " + " ".join(maturin), flush=True)
        subprocess.run(
            maturin,
            cwd=REPO / "bindings-python",
            env={**os.environ, "VIRTUAL_ENV": venv},
            check=True,
        )
    loadgen = REPO / "target" / "release" / "loadgen"
    knobs = ["--base", str(a.base), "--concurrency", str(a.concurrency), "--count", str(a.count)]
    if not a.keep_network:
        run([str(NET), "--base", str(a.base), "up"])
    results: dict[str, list[dict[str, float]]] = {"Rust": [], "Python": []}
    try:
        for i in range(a.rounds):
            print(f"\n--- round {i + 1} of {a.rounds}", flush=True)
            results["Rust"].append(single(run([str(loadgen), "--only", "single", *knobs])))
            results["Python"].append(single(run([sys.executable, str(BENCH), *knobs])))
    finally:
        if not a.keep_network:
            subprocess.run([str(NET), "--base", str(a.base), "down"], cwd=REPO)

    med = {
        who: {
            k: statistics.median(r[k] for r in runs)
            for k in ("tx_per_s", "cpu_ms_per_tx", "p50_ms", "p99_ms")
        }
        for who, runs in results.items()
    }
    print(
        f"\n{a.rounds} interleaved rounds, {a.count} puts each at concurrency {a.concurrency} "
        f"(kv_or, 1 endorsement), medians; {os.cpu_count()} CPUs\n"
    )
    print("| client | committed tx/s | client CPU ms/tx | p50 ms | p99 ms | runs (tx/s) |")
    print("|---|---|---|---|---|---|")
    for who in ("Rust", "Python"):
        m = med[who]
        runs = ", ".join(f"{r['tx_per_s']:.1f}" for r in results[who])
        print(
            f"| {who} | {m['tx_per_s']:.1f} | {m['cpu_ms_per_tx']:.3f} | {m['p50_ms']:.0f} "
            f"| {m['p99_ms']:.0f} | {runs} |"
        )
    r, py = med["Rust"], med["Python"]
    print(
        f"| Python / Rust | {py['tx_per_s'] / r['tx_per_s']:.3f} "
        f"| {py['cpu_ms_per_tx'] / r['cpu_ms_per_tx']:.3f} "
        f"| {py['p50_ms'] / r['p50_ms']:.3f} | {py['p99_ms'] / r['p99_ms']:.3f} | |"
    )


if __name__ == "__main__":
    main()
