#!/usr/bin/env node
// The package's `install` script: builds the native addon from source with cargo (release
// profile) and copies it next to index.js as `fabweave.node`. Needs a Rust toolchain; nothing
// else (napi-rs's build support is a crate, not an npm tool).
//
// FABWEAVE_NODE_PROFILE=debug builds the debug profile instead (faster to build, slower to run).
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const here = path.resolve(__dirname, '..');
const profile = process.env.FABWEAVE_NODE_PROFILE === 'debug' ? [] : ['--release'];
const cargo = process.env.CARGO || 'cargo';
const args = ['build', ...profile, '-p', 'fabweave-node', '--message-format=json-render-diagnostics'];
if (fs.existsSync(path.join(here, '..', 'Cargo.lock'))) args.push('--locked');

console.error(`fabweave: building the native addon: ${cargo} ${args.join(' ')}`);
const run = spawnSync(cargo, args, {
  cwd: here,
  stdio: ['ignore', 'pipe', 'inherit'],
  maxBuffer: 256 * 1024 * 1024,
  encoding: 'utf8',
});
if (run.error) {
  console.error(`fabweave: could not run ${cargo} (${run.error.message}): install Rust (rustup) to build the addon`);
  process.exit(1);
}
if (run.status !== 0) {
  console.error(`fabweave: ${cargo} build failed (exit ${run.status}): see its output above`);
  process.exit(run.status || 1);
}

// cargo names the library it built in its JSON messages: wherever the target directory is, and
// whatever the platform calls a shared library (.so, .dylib, .dll).
let built = null;
for (const line of run.stdout.split('\n')) {
  if (!line.startsWith('{')) continue;
  let msg;
  try {
    msg = JSON.parse(line);
  } catch {
    continue;
  }
  if (msg.reason !== 'compiler-artifact' || !msg.target || msg.target.name !== 'fabweave_node') continue;
  built = msg.filenames.find((f) => /\.(so|dylib|dll)$/.test(f)) || built;
}
if (!built) {
  console.error('fabweave: cargo built no fabweave_node library (no cdylib in its output)');
  process.exit(1);
}
const dest = path.join(here, 'fabweave.node');
// A fresh file rather than an overwrite: a running process may have the old one mapped.
fs.rmSync(dest, { force: true });
fs.copyFileSync(built, dest);
console.error(`fabweave: ${path.relative(process.cwd(), dest) || dest} <- ${built}`);
