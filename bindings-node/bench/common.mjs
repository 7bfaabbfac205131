// What the Node benchmarks share: the workload of the Rust load generator's `--only single`
// (examples/src/bin/loadgen.rs): `put` of a distinct 16-byte key and a 100-byte value on kv_or,
// endorsed by Org1 only, a warm-up of 64 puts from 16 submitters, 2 s of rest, then `--count`
// puts from `--concurrency` submitters, each sending its next put when the last one committed.
// CPU is the whole process's (every thread), user + system, from process.cpuUsage().
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';

export const VALUE = Buffer.alloc(100, 'v');

/** The command line: --base, --concurrency, --count, --channel, --chaincode, --org, --user. */
export function options() {
  const { values } = parseArgs({
    options: {
      base: { type: 'string', default: '27000' },
      concurrency: { type: 'string', default: '64' },
      count: { type: 'string', default: '2000' },
      channel: { type: 'string', default: 'mychannel' },
      chaincode: { type: 'string', default: 'kv_or' },
      org: { type: 'string', default: 'Org1MSP' },
      user: { type: 'string', default: 'User1' },
    },
  });
  return { ...values, base: Number(values.base), concurrency: Number(values.concurrency), count: Number(values.count) };
}

/** Distinct 16-byte keys: 6 hex digits of the start time (ms), 10 of a counter. */
export function keys() {
  const prefix = (Date.now() & 0xffffff).toString(16).padStart(6, '0');
  let next = 0;
  return () => prefix + (next++).toString(16).padStart(10, '0');
}

/** `n` calls of `put(key)` from `c` concurrent submitters: tx/s, CPU and latency. */
export async function runLoad(put, key, c, n) {
  let sent = 0;
  const latencies = [];
  const errors = [];
  const worker = async () => {
    while (sent < n) {
      sent += 1;
      const t = performance.now();
      try {
        await put(key());
        latencies.push(performance.now() - t);
      } catch (e) {
        errors.push(`${e.name}: ${e.message}`);
      }
    }
  };
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  await Promise.all(Array.from({ length: c }, worker));
  const wall = (performance.now() - wall0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  latencies.sort((a, b) => a - b);
  const ok = latencies.length;
  const pct = (p) => (ok ? latencies[Math.min(Math.max(Math.ceil(ok * p), 1), ok) - 1] : NaN);
  return {
    committed: ok,
    sent: n,
    concurrency: c,
    wallS: wall,
    txPerS: ok / wall,
    cpuMsPerTx: (cpu.user + cpu.system) / 1000 / Math.max(ok, 1),
    p50: pct(0.5),
    p99: pct(0.99),
    errors,
  };
}

function printErrors(errors) {
  const counts = new Map();
  for (const e of errors) counts.set(e, (counts.get(e) ?? 0) + 1);
  for (const [e, k] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, 3)) console.error(`    ${k} × ${e}`);
}

/** Warm-up, rest, the measured run; prints a human line and the `single: k=v ...` line. */
export async function bench(label, args, put) {
  const key = keys();
  const warm = await runLoad(put, key, 16, 64);
  console.log(`warm-up: ${warm.committed}/${warm.sent} committed`);
  printErrors(warm.errors);
  await sleep(2000);
  const r = await runLoad(put, key, args.concurrency, args.count);
  printErrors(r.errors);
  console.log(
    `${label}: ${args.chaincode}, 1 endorsement (${args.org}) c=${r.concurrency}: ` +
      `${r.committed}/${r.sent} committed in ${r.wallS.toFixed(2)} s, ${r.txPerS.toFixed(1)} tx/s, ` +
      `p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, CPU/tx ${r.cpuMsPerTx.toFixed(3)} ms`,
  );
  console.log(
    `single: committed=${r.committed} sent=${r.sent} concurrency=${r.concurrency} ` +
      `wall_s=${r.wallS.toFixed(3)} tx_per_s=${r.txPerS.toFixed(2)} cpu_ms_per_tx=${r.cpuMsPerTx.toFixed(4)} ` +
      `p50_ms=${r.p50.toFixed(1)} p99_ms=${r.p99.toFixed(1)}`,
  );
}
