// The real local Fabric network for the Node tests: tests/network/net at base 22600 (moved by
// FABWEAVE_NODE_NET_BASE, and by FABWEAVE_TEST_NET_BASE_OFFSET as every suite's network is).
// Test files that stop nodes restart them before they end, so files can share one network.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BASE =
  Number(process.env.FABWEAVE_NODE_NET_BASE ?? 22600) +
  Number(process.env.FABWEAVE_TEST_NET_BASE_OFFSET ?? 0);
export const USER = 'User1';
export const CHANNEL = 'mychannel';

function net(...args) {
  return spawnSync(join(REPO, 'tests', 'network', 'net'), ['--base', String(BASE), ...args], {
    cwd: REPO,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
}

let startedHere = false;

/**
 * Brings the network up, or joins the one already running at BASE (tests/run starts one for
 * all the test files, which node --test runs one at a time); resolves to its manifest
 * (network.json). A network this process started is torn down by down().
 */
export function up() {
  if (net('status').status !== 0) {
    const r = net('up');
    if (r.status !== 0) {
      throw new Error(`tests/network/net --base ${BASE} up failed:\n${r.stdout}\n${r.stderr}`);
    }
    startedHere = true;
  }
  return JSON.parse(readFileSync(join(REPO, '.net', String(BASE), 'network.json'), 'utf8'));
}

/** Tears the network down if up() started it. */
export function down() {
  if (!startedHere) return;
  const r = net('down');
  if (r.status !== 0) console.error(`tests/network/net --base ${BASE} down failed:\n${r.stderr}`);
}

/** `tests/network/net --base BASE stop|start NODE`, e.g. stopping peer0.org2 for a failover test. */
export function node(action, name) {
  const r = net(action, name);
  if (r.status !== 0) {
    throw new Error(`tests/network/net --base ${BASE} ${action} ${name} failed:\n${r.stdout}\n${r.stderr}`);
  }
}

/** The path of `org`'s BCS-style user profile. */
export function profileOf(manifest, org) {
  return manifest.orgs[org].profiles.bcsUser;
}

/** A key no other test or run uses. */
export function unique(name) {
  return `${name}-${process.hrtime.bigint()}`;
}
