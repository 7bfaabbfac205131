"""Committed transactions per second and client CPU per transaction from Python asyncio.

The workload of the Rust load generator's ``--only single`` (examples/src/bin/loadgen.rs):
``put`` of a distinct 16-byte key and a 100-byte value on ``kv_or``, endorsed by Org1 only
(``endorsing_orgs=["Org1MSP"]``), the default commit strategy, endorsement signatures
verified; a warm-up of 64 puts from 16 submitters, 2 s of rest, then ``--count`` puts from
``--concurrency`` submitters, each sending its next put when the last one committed.

CPU is the whole process's (every thread: asyncio's, fabweave's runtime), user + system, from
``time.process_time()``, as the Rust load generator sums its threads' run times.

    python bindings-python/bench/bench_submit.py --base 23400 --concurrency 64 --count 3000

Prints a human line and a last ``single: key=value ...`` line like the Rust load generator's.
"""

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

import fabweave.aio

REPO = Path(__file__).resolve().parents[2]
VALUE = b"v" * 100


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--base", type=int, default=27000, help="the network's base port")
    p.add_argument("--profile", help="connection profile (default: the base's BCS user profile)")
    p.add_argument("--user", default="User1")
    p.add_argument("--channel", default="mychannel")
    p.add_argument("--chaincode", default="kv_or")
    p.add_argument("--org", default="Org1MSP", help="the one endorsing organization")
    p.add_argument("--concurrency", type=int, default=64)
    p.add_argument("--count", type=int, default=2000)
    return p.parse_args()


class Keys:
    """Distinct 16-byte keys: 6 hex digits of the start time (ms), 10 of a counter."""

    def __init__(self) -> None:
        self.prefix = f"{(time.time_ns() // 1_000_000) & 0xFFFFFF:06x}"
        self.next = 0

    def __call__(self) -> str:
        n = self.next
        self.next += 1
        return f"{self.prefix}{n:010x}"


async def run_load(contract, orgs: list[str], keys: Keys, c: int, n: int) -> dict:
    """``n`` puts from ``c`` concurrent submitters; tx/s and CPU per committed put."""
    sent = 0
    latencies: list[float] = []
    errors: list[str] = []

    async def worker() -> None:
        nonlocal sent
        while sent < n:
            sent += 1
            t = time.perf_counter()
            try:
                await contract.submit("put", keys(), VALUE, endorsing_orgs=orgs)
            except fabweave.FabweaveError as e:
                errors.append(str(e))
            else:
                latencies.append(time.perf_counter() - t)

    cpu0, wall0 = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(c)))
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    latencies.sort()
    ok = len(latencies)

    def pct(p: float) -> float:
        if not latencies:
            return float("nan")
        i = min(max(int(-(-len(latencies) * p // 1)), 1), len(latencies))
        return latencies[i - 1] * 1e3

    return {
        "committed": ok,
        "sent": n,
        "concurrency": c,
        "wall_s": wall,
        "tx_per_s": ok / wall,
        "cpu_ms_per_tx": cpu * 1e3 / max(ok, 1),
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "errors": errors,
    }


def print_errors(errors: list[str]) -> None:
    counts: dict[str, int] = {}
    for e in errors:
        counts[e] = counts.get(e, 0) + 1
    for e, k in sorted(counts.items(), key=lambda x: -x[1])[:3]:
        print(f"    {k} × {e}", file=sys.stderr)


async def main() -> None:
    args = parse_args()
    profile = args.profile or str(
        REPO / ".net" / str(args.base) / "profiles/org1/bcs/org1-user-sdk-config.yaml"
    )
    keys = Keys()
    orgs = [args.org]
    async with await fabweave.aio.connect(profile, user=args.user) as client:
        contract = client.network(args.channel).contract(args.chaincode)
        print(
            f"bench_submit: {profile} as {args.user}, channel {args.channel}, "
            f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs"
        )
        warm = await run_load(contract, orgs, keys, 16, 64)
        print(f"warm-up: {warm['committed']}/{warm['sent']} committed")
        print_errors(warm["errors"])
        await asyncio.sleep(2)
        r = await run_load(contract, orgs, keys, args.concurrency, args.count)
        print_errors(r["errors"])
        print(
            f"{args.chaincode}, 1 endorsement ({args.org}) c={r['concurrency']}: "
            f"{r['committed']}/{r['sent']} committed in {r['wall_s']:.2f} s, "
            f"{r['tx_per_s']:.1f} tx/s, p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, "
            f"CPU/tx {r['cpu_ms_per_tx']:.3f} ms"
        )
        print(
            f"single: committed={r['committed']} sent={r['sent']} "
            f"concurrency={r['concurrency']} wall_s={r['wall_s']:.3f} "
            f"tx_per_s={r['tx_per_s']:.2f} cpu_ms_per_tx={r['cpu_ms_per_tx']:.4f} "
            f"p50_ms={r['p50_ms']:.1f} p99_ms={r['p99_ms']:.1f}"
        )


if __name__ == "__main__":
    asyncio.run(main())
