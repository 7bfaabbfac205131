// The package without a network: index.d.ts against what the package and the addon export, the
// same exports from ESM and CommonJS, and the errors of bad profiles and bad options.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';

import * as esm from 'fabweave';

const require = createRequire(import.meta.url);
const cjs = require('fabweave');
const PKG = join(dirname(fileURLToPath(import.meta.url)), '..');
const DTS = readFileSync(join(PKG, 'index.d.ts'), 'utf8');

/** The functions and classes index.d.ts declares, with each class's members and base. */
function declared() {
  const functions = [...DTS.matchAll(/^export declare function (\w+)/gm)].map((m) => m[1]);
  const classes = {};
  // `class Name<T> extends Base implements Interface<T> {`: generics and `implements` are types only.
  for (const m of DTS.matchAll(
    /^export declare class (\w+)(?:<[^>]*>)?(?: extends (\w+))?(?: implements [^{]+)? \{\n([\s\S]*?)^\}/gm,
  )) {
    const body = m[3];
    classes[m[1]] = {
      base: m[2] ?? null,
      methods: [...body.matchAll(/^ {2}(\w+)\(/gm)].map((x) => x[1]).filter((n) => n !== 'constructor'),
      statics: [...body.matchAll(/^ {2}static (\w+)\(/gm)].map((x) => x[1]),
      getters: [...body.matchAll(/^ {2}get (\w+)\(/gm)].map((x) => x[1]),
      symbols: [
        ...[...body.matchAll(/^ {2}\[Symbol\.(\w+)\]\(/gm)].map((x) => x[1]),
        ...[...body.matchAll(/^ {2}\[inspect\.custom\]\(/gm)].map(() => 'inspect.custom'),
      ],
    };
  }
  return { functions, classes };
}

/** The field names of `pub struct name` in one of the addon's Rust files, in camelCase. */
function rustFields(file, name) {
  const src = readFileSync(join(PKG, 'src', file), 'utf8');
  const m = src.match(new RegExp(`pub struct ${name} \\{\\n([\\s\\S]*?)^\\}`, 'm'));
  assert.ok(m, `no struct ${name} in src/${file}`);
  return [...m[1].matchAll(/^ {4}pub (?:r#)?(\w+):/gm)]
    .map((x) => x[1].replace(/_([a-z])/g, (_, c) => c.toUpperCase()))
    .sort();
}

/** The property names of `interface name` in index.d.ts. */
function dtsFields(name) {
  const m = DTS.match(new RegExp(`^export interface ${name} \\{\\n([\\s\\S]*?)^\\}`, 'm'));
  assert.ok(m, `no interface ${name} in index.d.ts`);
  return [...m[1].matchAll(/^ {2}(\w+)\??:/gm)].map((x) => x[1]).sort();
}

test('index.d.ts declares exactly what the package exports', () => {
  const { functions, classes } = declared();
  const exported = Object.keys(cjs).sort();
  assert.deepEqual([...functions, ...Object.keys(classes)].sort(), exported);
  for (const name of functions) assert.equal(typeof cjs[name], 'function', name);
  for (const [name, c] of Object.entries(classes)) {
    const cls = cjs[name];
    assert.equal(typeof cls, 'function', name);
    const base = c.base === null ? Object.getPrototypeOf(Function) : c.base === 'Error' ? Error : cjs[c.base];
    assert.equal(Object.getPrototypeOf(cls), base, `${name} extends ${c.base}`);
    const proto = cls.prototype;
    const own = Object.getOwnPropertyNames(proto).filter((n) => n !== 'constructor');
    const getters = own.filter((n) => Object.getOwnPropertyDescriptor(proto, n).get);
    const methods = own.filter((n) => typeof Object.getOwnPropertyDescriptor(proto, n).value === 'function');
    // FabweaveError's `name` getter is Error's `name`, which the .d.ts inherits from lib.es5.
    const dtsGetters = name === 'FabweaveError' ? [...c.getters, 'name'] : c.getters;
    assert.deepEqual(methods.sort(), [...c.methods].sort(), `${name}'s methods`);
    assert.deepEqual(getters.sort(), [...dtsGetters].sort(), `${name}'s getters`);
    const symbols = Object.getOwnPropertySymbols(proto).map((s) =>
      s === (Symbol.asyncDispose ?? Symbol.for('nodejs.asyncDispose'))
        ? 'asyncDispose'
        : s === Symbol.asyncIterator
          ? 'asyncIterator'
          : s === inspect.custom
            ? 'inspect.custom'
            : String(s),
    );
    assert.deepEqual(symbols.sort(), [...c.symbols].sort(), `${name}'s symbol methods`);
    const statics = Object.getOwnPropertyNames(cls).filter(
      (n) => !['length', 'name', 'prototype'].includes(n) && typeof cls[n] === 'function',
    );
    assert.deepEqual(statics.sort(), [...c.statics].sort(), `${name}'s static methods`);
  }
});

test("index.d.ts's option and result types match the addon's (src/*.rs)", () => {
  for (const [rust, ts] of [
    ['ConnectOptions', 'ConnectOptions'],
    ['SubmitOptions', 'SubmitOptions'],
    ['EvaluateOptions', 'EvaluateOptions'],
    ['Timeouts', 'Timeouts'],
    ['Retry', 'RetryOptions'],
    ['Committed', 'Committed'],
    ['ChaincodeEvent', 'ChaincodeEvent'],
    ['Endorser', 'Endorser'],
    ['ContractOptions', 'ContractOptions'],
    ['PeerView', 'PeerView'],
    ['OrdererView', 'OrdererView'],
    ['ChannelView', 'ChannelView'],
  ]) {
    assert.deepEqual(dtsFields(ts), rustFields('client.rs', rust), `${ts} vs ${rust}`);
  }
  for (const [file, name] of [
    ['identity.rs', 'SignerOptions'],
    ['wallet.rs', 'FileWalletOptions'],
  ]) {
    assert.deepEqual(dtsFields(name), rustFields(file, name), `${name} vs src/${file}`);
  }
  // newProposal takes submit's options but retry, in the types and in index.js's checks.
  assert.match(DTS, /^export type ProposalOptions = Omit<SubmitOptions, 'retry'>;$/m);
  const js = readFileSync(join(PKG, 'index.js'), 'utf8').match(/^ {2}newProposal: \[([^\]]*)\]/m);
  assert.ok(js, 'no newProposal options in index.js');
  const names = [...js[1].matchAll(/'(\w+)'/g)].map((x) => x[1]).sort();
  assert.deepEqual(names, rustFields('client.rs', 'SubmitOptions').filter((f) => f !== 'retry'));
});

test("index.d.ts's event stream types match the addon's (src/events.rs)", () => {
  // The checkpointer is an option of the JavaScript API that the addon takes as an argument.
  const withoutCheckpointer = (fields) => fields.filter((f) => f !== 'checkpointer');
  for (const [rust, ts] of [
    ['Checkpoint', 'Checkpoint'],
    ['BlockTransaction', 'BlockTransaction'],
    ['ChaincodeEventsOptions', 'ChaincodeEventsOptions'],
    ['BlockEventsOptions', 'BlockEventsOptions'],
  ]) {
    assert.deepEqual(withoutCheckpointer(dtsFields(ts)), rustFields('events.rs', rust), `${ts} vs ${rust}`);
  }
  assert.ok(dtsFields('ChaincodeEventsOptions').includes('checkpointer'));
  assert.ok(dtsFields('BlockEventsOptions').includes('checkpointer'));
  // BlockEvent is a class whose fields are the addon's BlockEventData.
  const body = DTS.match(/^export declare class BlockEvent \{\n([\s\S]*?)^\}/m);
  assert.ok(body, 'no class BlockEvent in index.d.ts');
  const fields = [...body[1].matchAll(/^ {2}readonly (\w+):/gm)].map((x) => x[1]).sort();
  assert.deepEqual(fields, rustFields('events.rs', 'BlockEventData'));
  // The option names events.js accepts are the declared ones.
  const js = readFileSync(join(PKG, 'events.js'), 'utf8');
  for (const [what, ts] of [
    ['chaincodeEvents', 'ChaincodeEventsOptions'],
    ['blockEvents', 'BlockEventsOptions'],
  ]) {
    const m = js.match(new RegExp(`^ {2}${what}: \\[([^\\]]*)\\]`, 'm'));
    assert.ok(m, `no ${what} options in events.js`);
    const names = [...m[1].matchAll(/'(\w+)'/g)].map((x) => x[1]).sort();
    assert.deepEqual(names, dtsFields(ts), `${what} options`);
  }
});

test("index.d.ts's CA and ledger types match the addon's (src/ca.rs, src/ledger.rs)", () => {
  for (const [file, rust, ts] of [
    ['ca.rs', 'CaClientOptions', 'CaClientOptions'],
    ['ca.rs', 'CaProfileOptions', 'CaProfileOptions'],
    ['ca.rs', 'EnrollOptions', 'EnrollOptions'],
    ['ca.rs', 'ReenrollOptions', 'ReenrollOptions'],
    ['ca.rs', 'RegisterOptions', 'RegisterOptions'],
    ['ca.rs', 'RevokeOptions', 'RevokeOptions'],
    ['ca.rs', 'CaInfo', 'CaInfo'],
    ['ca.rs', 'CaAttribute', 'CaAttribute'],
    ['ca.rs', 'IdentityInfo', 'IdentityInfo'],
    ['ca.rs', 'RevokedCertificate', 'RevokedCertificate'],
    ['ca.rs', 'Revocation', 'Revocation'],
    ['ledger.rs', 'LedgerOptions', 'LedgerOptions'],
    ['ledger.rs', 'ChainInfo', 'ChainInfo'],
  ]) {
    assert.deepEqual(dtsFields(ts), rustFields(file, rust), `${ts} vs ${file}'s ${rust}`);
  }
});

test("index.d.ts's log record matches the addon's (src/logs.rs) and logs.js's levels", () => {
  assert.deepEqual(dtsFields('LogRecord'), rustFields('logs.rs', 'LogRecord'));
  const levels = DTS.match(/^export type LogLevel = (.*);$/m);
  assert.ok(levels, 'no type LogLevel in index.d.ts');
  const js = readFileSync(join(PKG, 'logs.js'), 'utf8').match(/^const LEVELS = \[([^\]]*)\]/m);
  assert.ok(js, 'no LEVELS in logs.js');
  const names = (text) => [...text.matchAll(/'(\w+)'/g)].map((x) => x[1]);
  assert.deepEqual(names(levels[1]), names(js[1]));
  assert.deepEqual(dtsFields('LogHandlerOptions'), ['level']);
});

test('setLogHandler refuses what is not a handler or a level', () => {
  assert.throws(() => cjs.setLogHandler('console'), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => cjs.setLogHandler(() => {}, { level: 'verbose' }), {
    name: 'TypeError',
    code: 'ERR_INVALID_ARG_VALUE',
  });
  assert.throws(() => cjs.setLogHandler(() => {}, { level: 3 }), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => cjs.setLogHandler(() => {}, { levle: 'debug' }), {
    name: 'TypeError',
    code: 'ERR_INVALID_ARG_VALUE',
  });
  assert.throws(() => cjs.setLogHandler(() => {}, 'debug'), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  cjs.setLogHandler(null);
});

test("index.d.ts's error codes are the codes src/error.rs sends and errors.js knows", () => {
  const union = DTS.match(/^export type ErrorCode =\n([\s\S]*?);$/m);
  assert.ok(union);
  const dts = [...union[1].matchAll(/'(FABWEAVE_\w+)'/g)].map((m) => m[1]).sort();
  const rust = [
    ...new Set([...readFileSync(join(PKG, 'src', 'error.rs'), 'utf8').matchAll(/"(FABWEAVE_\w+)"/g)].map((m) => m[1])),
  ].sort();
  const js = [...readFileSync(join(PKG, 'errors.js'), 'utf8').matchAll(/^ {2}(FABWEAVE_\w+):/gm)]
    .map((m) => m[1])
    .sort();
  assert.deepEqual(dts, rust);
  assert.deepEqual(js, rust);
});

test('ESM import and CommonJS require give the same exports', () => {
  const named = Object.keys(esm).filter((k) => k !== 'default').sort();
  assert.deepEqual(named, Object.keys(cjs).sort());
  for (const k of named) assert.equal(esm[k], cjs[k], k);
  assert.equal(esm.default, cjs);
});

test('a missing profile is a ProfileError with the file', async () => {
  await assert.rejects(esm.connect({ profile: '/nonexistent/org1.yaml', user: 'User1' }), (e) => {
    assert.ok(e instanceof esm.ProfileError, `${e.name}: ${e.message}`);
    assert.ok(e instanceof esm.FabweaveError);
    assert.equal(e.name, 'ProfileError');
    assert.equal(e.code, 'FABWEAVE_PROFILE');
    assert.equal(e.kind, 'config');
    assert.equal(e.file, '/nonexistent/org1.yaml');
    assert.equal(e.transactionId, null);
    assert.match(e.message, /nonexistent\/org1\.yaml/);
    return true;
  });
});

test('a malformed profile is a ProfileError with the line and column', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fabweave-node-'));
  try {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'name: x\nversion: 1.0.0\norganizations: [\n  {\n');
    await assert.rejects(esm.connect({ profile: file, user: 'User1' }), (e) => {
      assert.ok(e instanceof esm.ProfileError, `${e.name}: ${e.message}`);
      assert.equal(e.file, file);
      assert.equal(typeof e.line, 'number');
      assert.equal(typeof e.column, 'number');
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad options are TypeErrors', async () => {
  const typeError = (code) => (e) => {
    assert.ok(e instanceof TypeError, `${e.name}: ${e.message}`);
    assert.equal(e.code, code);
    return true;
  };
  await assert.rejects(esm.connect(), typeError('ERR_INVALID_ARG_TYPE'));
  await assert.rejects(esm.connect('org1.yaml'), typeError('ERR_INVALID_ARG_TYPE'));
  await assert.rejects(esm.connect({ user: 'User1' }), typeError('ERR_INVALID_ARG_TYPE'));
  await assert.rejects(esm.connect({ profile: 42 }), typeError('ERR_INVALID_ARG_TYPE'));
  await assert.rejects(esm.connect({ profile: 'p.yaml', usr: 'User1' }), typeError('ERR_INVALID_ARG_VALUE'));
  await assert.rejects(esm.connect({ profile: 'p.yaml', mode: 'fast' }), typeError('ERR_INVALID_ARG_VALUE'));
  await assert.rejects(
    esm.connect({ profile: 'p.yaml', timeouts: { commit: -1 } }),
    typeError('ERR_INVALID_ARG_VALUE'),
  );
  await assert.rejects(esm.connect({ profile: 'p.yaml', retry: 'often' }), typeError('ERR_INVALID_ARG_TYPE'));
  await assert.rejects(esm.connect({ profile: 'p.yaml', cryptoSuite: 'rot13' }), typeError('ERR_INVALID_ARG_VALUE'));
  assert.throws(() => new esm.Client({}), TypeError);
});

test("a retried submit's error: the last attempt's class, every attempt, a cause chain", () => {
  const { fromNative } = require('../errors.js');
  const conflict = (tx, block) => ({
    code: 'FABWEAVE_COMMIT',
    message: `transaction ${tx} is invalid: MVCC_READ_CONFLICT`,
    fields: { kind: 'commit', retryable: true, transactionId: tx, validationCode: 11, validationCodeName: 'MVCC_READ_CONFLICT', blockNumber: block },
  });
  const plain = {
    ...conflict('t3', 9),
    attempts: [
      { txId: 't1', blockNumber: null, error: conflict('t1', 7) },
      { txId: 't2', blockNumber: null, error: conflict('t2', 8) },
      { txId: 't3', blockNumber: null, error: conflict('t3', 9) },
    ],
  };
  const e = fromNative(new Error(JSON.stringify(plain)));
  assert.ok(e instanceof esm.CommitError);
  assert.equal(e.code, 'FABWEAVE_COMMIT');
  assert.equal(e.transactionId, 't3');
  assert.equal(e.validationCode, 11);
  assert.deepEqual(e.attempts.map((a) => a.txId), ['t1', 't2', 't3']);
  assert.equal(e.attempts[2].error, e);
  assert.ok(e.cause instanceof esm.CommitError);
  assert.equal(e.cause.transactionId, 't2');
  assert.equal(e.cause.cause.transactionId, 't1');
  assert.equal(e.cause.cause.cause, undefined);

  // Errors that are not the addon's pass through; napi-rs's type errors become TypeErrors.
  const other = new RangeError('x');
  assert.equal(fromNative(other), other);
  const napiType = Object.assign(new Error('Failed to convert'), { code: 'StringExpected' });
  assert.ok(fromNative(napiType) instanceof TypeError);
});
