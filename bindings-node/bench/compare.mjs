// fabweave from Node against fabweave from Rust and against @hyperledger/fabric-gateway, on one
// network with the peer Gateway on: committed tx/s and client CPU per transaction.
//
// Brings up the local network (tests/network/net --base BASE up), builds the Rust load generator
// and the Node addon (release), installs @hyperledger/fabric-gateway in bench/ (package.json),
// then runs, interleaved round by round so machine noise falls on all alike, `loadgen --only
// single`, bench_submit.mjs and bench_gateway.mjs: the same workload (common.mjs). Prints each
// run and a table of medians with the ratios; takes the network down at the end.
//
//   node bindings-node/bench/compare.mjs --base 23600 --rounds 3 --count 3000
//
// --keep-network uses (and leaves) a network that is already up; --no-build skips the builds.
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const HERE = import.meta.dirname;
const REPO = join(HERE, '..', '..');
const NET = join(REPO, 'tests', 'network', 'net');

const { values: a } = parseArgs({
  options: {
    base: { type: 'string', default: '23600' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '64' },
    count: { type: 'string', default: '3000' },
    'keep-network': { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
  },
});

function run(cmd, args, opts = {}) {
  console.log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: REPO, encoding: 'utf8', maxBuffer: 256 << 20, ...opts });
  process.stdout.write(r.stdout ?? '');
  process.stderr.write(r.stderr ?? '');
  if (r.status !== 0) throw new Error(`failed (${r.status ?? r.error}): ${cmd} ${args.join(' ')}`);
  return r.stdout;
}

/** The `single: key=value ...` line every program ends with. */
function single(output) {
  const line = output.split('\n').filter((l) => l.startsWith('single: ')).at(-1);
  if (!line) throw new Error("no 'single:' line in the output");
  return Object.fromEntries([...line.matchAll(/(\w+)=([-\d.e+naninf]+)/g)].map((m) => [m[1], Number(m[2])]));
}

if (!a['no-build']) {
  run('cargo', ['build', '--release', '--locked', '-p', 'fabweave-examples', '--bin', 'loadgen']);
  run(process.execPath, [join(REPO, 'bindings-node', 'scripts', 'build.js')], {
    env: { ...process.env, FABWEAVE_NODE_PROFILE: 'release' },
  });
  run('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock'], { cwd: HERE });
}
const knobs = ['--base', a.base, '--concurrency', a.concurrency, '--count', a.count];
const clients = {
  Rust: [join(REPO, 'target', 'release', 'loadgen'), ['--only', 'single', ...knobs]],
  'Node (fabweave)': [process.execPath, [join(HERE, 'bench_submit.mjs'), ...knobs]],
  'Node (fabric-gateway)': [process.execPath, [join(HERE, 'bench_gateway.mjs'), ...knobs]],
};
const results = Object.fromEntries(Object.keys(clients).map((k) => [k, []]));
if (!a['keep-network']) run(NET, ['--base', a.base, 'up']);
try {
  for (let i = 0; i < Number(a.rounds); i++) {
    console.log(`\n--- round ${i + 1} of ${a.rounds}`);
    for (const [who, [cmd, args]] of Object.entries(clients)) results[who].push(single(run(cmd, args)));
  }
} finally {
  if (!a['keep-network']) spawnSync(NET, ['--base', a.base, 'down'], { cwd: REPO, stdio: 'inherit' });
}

const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const med = {};
for (const [who, runs] of Object.entries(results)) {
  med[who] = Object.fromEntries(
    ['tx_per_s', 'cpu_ms_per_tx', 'p50_ms', 'p99_ms'].map((k) => [k, median(runs.map((r) => r[k]))]),
  );
}
console.log(
  `\n${a.rounds} interleaved rounds, ${a.count} puts each at concurrency ${a.concurrency} ` +
    `(kv_or, 1 endorsement, peer Gateway on), medians; ${cpus().length} CPUs\n`,
);
console.log('| client | committed tx/s | client CPU ms/tx | p50 ms | p99 ms | runs (tx/s) |');
console.log('|---|---|---|---|---|---|');
for (const [who, m] of Object.entries(med)) {
  const runs = results[who].map((r) => r.tx_per_s.toFixed(1)).join(', ');
  console.log(
    `| ${who} | ${m.tx_per_s.toFixed(1)} | ${m.cpu_ms_per_tx.toFixed(3)} | ${m.p50_ms.toFixed(0)} | ${m.p99_ms.toFixed(0)} | ${runs} |`,
  );
}
const ratio = (x, y) =>
  `| ${x} / ${y} | ${(med[x].tx_per_s / med[y].tx_per_s).toFixed(3)} | ` +
  `${(med[x].cpu_ms_per_tx / med[y].cpu_ms_per_tx).toFixed(3)} | ${(med[x].p50_ms / med[y].p50_ms).toFixed(3)} | ` +
  `${(med[x].p99_ms / med[y].p99_ms).toFixed(3)} | |`;
console.log(ratio('Node (fabweave)', 'Rust'));
console.log(ratio('Node (fabweave)', 'Node (fabric-gateway)'));
