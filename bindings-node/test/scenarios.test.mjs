// The scenarios of tests/scenarios.json listed for the `node` suite, through the Node API,
// against the real network. Each scenario's test (or tests) follows a `// scenario: <id>` line;
// test/scenario_list.test.mjs checks that the marks and the list agree both ways.
//
// The network has the peer Gateway on, so mode 'auto' means the Gateway. Scenarios that stop or
// freeze nodes start or resume them before they end. The orderer restart runs last (tests/run
// runs this file after the others): a Fabric Gateway may keep its broken connection to a
// restarted orderer for a while, and Gateway submits would then end in doubt.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import {
  connect,
  CommitError,
  EndorseError,
  FabweaveError,
  Identity,
  ProfileError,
  TimeoutError,
} from 'fabweave';
import { BASE, CHANNEL, REPO, USER, down, node, profileOf, unique, up } from './network.mjs';

const MODES = ['auto', 'client'];
const ORGS = ['Org1MSP', 'Org2MSP'];

let manifest;

before(async () => {
  manifest = up();
});

after(() => {
  down();
});

/** 'gateway' for the modes that use the Gateway on this network. */
function viaOf(mode) {
  return mode === 'client' ? 'client' : 'gateway';
}

/** Runs `body(client)` with a client of `org`'s User1, closed after. */
async function withClient(org, mode, body, options = {}) {
  const client = await connect({ profile: profileOf(manifest, org), user: USER, mode, ...options });
  try {
    return await body(client);
  } finally {
    await client.close();
  }
}

/** The endorsers' MSP IDs, sorted and without repeats. */
function msps(done) {
  return [...new Set(done.endorsers.map((e) => e.mspId))].sort();
}

/** How many of a result's attempts committed (must be exactly one). */
function committedAttempts(done) {
  return done.attempts.filter((a) => a.blockNumber !== null).length;
}

function portOf(name) {
  const [p] = manifest.peers.filter((x) => x.name === name);
  return p.address.split(':').pop();
}

/** The promise's rejection (failing the test if it fulfils). */
async function rejection(promise) {
  return promise.then(
    (v) => assert.fail(`expected a rejection, got ${JSON.stringify(v)}`),
    (e) => e,
  );
}

/** Nodes stopped for `body`, started again (and the network settled) after it. */
async function stopped(nodes, body) {
  const stoppedNow = [];
  try {
    for (const n of nodes) {
      node('stop', n);
      stoppedNow.push(n);
    }
    return await body();
  } finally {
    for (const n of stoppedNow) node('start', n);
    if (stoppedNow.length) await settle();
  }
}

/**
 * After a restart: waits (up to 90 s) until a Gateway submit endorsed by both organizations
 * commits again, so the next test does not meet a peer still catching up.
 */
async function settle() {
  const started = Date.now();
  await withClient('org1', 'gateway', async (client) => {
    const contract = client.network(CHANNEL).contract('kv_and');
    for (;;) {
      try {
        await contract.submit('put', { args: [unique('settle'), '1'], retry: false, commitTimeout: 10 });
        return;
      } catch (e) {
        if (!(e instanceof FabweaveError) || Date.now() - started > 90_000) throw e;
        await sleep(2000);
      }
    }
  });
}

/** Nodes paused with SIGSTOP (connections stay open, nothing answers) for `body`. */
async function frozen(nodes, body) {
  const pids = nodes.map((n) =>
    Number(readFileSync(join(REPO, '.net', String(BASE), 'run', `${n}.pid`), 'utf8').trim()),
  );
  const paused = [];
  try {
    for (const pid of pids) {
      process.kill(pid, 'SIGSTOP');
      paused.push(pid);
    }
    return await body();
  } finally {
    for (const pid of paused) process.kill(pid, 'SIGCONT');
  }
}

let gatewayWarm = false;

/**
 * Waits until the Gateway can plan an endorsement by both organizations: until gossip has told
 * it about the other organization's peers it cannot (a retryable error).
 */
async function gatewayReady() {
  if (gatewayWarm) return;
  const started = Date.now();
  await withClient('org1', 'gateway', async (client) => {
    const contract = client.network(CHANNEL).contract('kv_and');
    for (;;) {
      try {
        await contract.submit('put', { args: [unique('gw-warm'), '1'], retry: false });
        gatewayWarm = true;
        return;
      } catch (e) {
        if (!e.retryable || Date.now() - started > 90_000) throw e;
        await sleep(2000);
      }
    }
  });
}

/**
 * Asks discovery until it reports `peers` peers running the test chaincodes, none lagging
 * (gossip spreads a peer's state and height a few seconds after it starts, and fabweave passes
 * over peers more than 5 blocks behind); resolves to that view.
 */
async function discovered(network, peers, deadlineMs = 60_000) {
  const started = Date.now();
  for (;;) {
    const view = await network.refresh();
    const ready = view.peers.filter(
      (p) => p.discovered && ['kv', 'kv_and', 'kv_or'].every((c) => (p.chaincodes ?? []).includes(c)),
    );
    const heights = ready.map((p) => p.height ?? 0);
    if (ready.length >= peers && Math.max(...heights) - Math.min(...heights) <= 2) return view;
    assert.ok(Date.now() - started < deadlineMs, `discovery did not report ${peers}: ${JSON.stringify(view)}`);
    await sleep(500);
  }
}

/** Submits until every port in `ports` has endorsed one (they take load again). */
async function waitEndorsedBy(contract, ports, deadlineMs) {
  const started = Date.now();
  const seen = new Set();
  while (seen.size < ports.length) {
    const done = await contract.submit('put', { args: [unique('after-restart'), 'v'] });
    for (const e of done.endorsers) for (const p of ports) if (e.address.endsWith(`:${p}`)) seen.add(p);
    assert.ok(Date.now() - started < deadlineMs, `only ${[...seen]} of ${ports} took load`);
    await sleep(300);
  }
}

// ---- the flow scenarios (rust-flow: sdk-core/tests/support/scenarios.rs) ----------------------

// scenario: submit_evaluate_every_policy
for (const mode of MODES) {
  test(`submit and evaluate under every policy (${mode})`, async () => {
    if (mode !== 'client') await gatewayReady();
    const via = viaOf(mode);
    await withClient('org1', mode, (org1) =>
      withClient('org2', mode, async (org2) => {
        assert.equal(org1.lastVia, null);
        for (const name of ['kv', 'kv_or', 'kv_and']) {
          const key = unique(name);
          // Org2 reads it back at once: every peer of the channel must have it.
          const done = await org1
            .network(CHANNEL)
            .contract(name)
            .submit('put', { args: [key, Buffer.from('v1')], commitStrategy: 'NETWORK_SCOPE_ALLFORTX' });
          assert.match(done.txId, /^[0-9a-f]{64}$/);
          assert.ok(done.blockNumber > 0 && done.confirmed && done.confirmedBy);
          assert.equal(done.payload.toString(), 'v1');
          assert.equal(done.via, via);
          assert.equal(org1.lastVia, via);
          assert.deepEqual(done.attempts.map((a) => a.txId), [done.txId]);
          assert.equal(done.attempts[0].blockNumber, done.blockNumber);
          assert.ok(done.endorsers.length > 0);
          for (const m of msps(done)) assert.ok(ORGS.includes(m), m);
          const got = await org2.network(CHANNEL).contract(name).evaluate('get', { args: [key] });
          assert.equal(got.toString(), 'v1', `${name} read back by Org2`);
          assert.equal(org2.lastVia, via);
        }
      }),
    );
  });
}

// scenario: endorsing_orgs_or_commits
for (const mode of MODES) {
  test(`endorsing orgs chosen by the caller commit (${mode})`, async () => {
    if (mode !== 'client') await gatewayReady();
    await withClient('org1', mode, async (org1) => {
      const done = await org1
        .network(CHANNEL)
        .contract('kv_or')
        .submit('put', { args: [unique('by-org2'), 'x'], endorsingOrgs: ['Org2MSP'] });
      assert.ok(done.blockNumber > 0);
      assert.deepEqual(msps(done), ['Org2MSP']);
    });
  });
}

// scenario: endorsing_orgs_and_policy_failure
for (const mode of MODES) {
  test(`too few endorsing orgs is a CommitError (${mode})`, async () => {
    if (mode !== 'client') await gatewayReady();
    await withClient('org1', mode, async (org1) => {
      const err = await rejection(
        org1
          .network(CHANNEL)
          .contract('kv_and')
          .submit('put', { args: [unique('by-org1'), 'x'], endorsingOrgs: ['Org1MSP'] }),
      );
      assert.ok(err instanceof CommitError, `${err.name}: ${err.message}`);
      assert.equal(err.code, 'FABWEAVE_COMMIT');
      assert.equal(err.validationCode, 10);
      assert.equal(err.validationCodeName, 'ENDORSEMENT_POLICY_FAILURE');
      assert.ok(err.blockNumber > 0);
      assert.match(err.transactionId, /^[0-9a-f]{64}$/);
    });
  });
}

// scenario: private_data_org1_collection
for (const mode of MODES) {
  test(`private data in the Org1 collection (${mode})`, async () => {
    if (mode !== 'client') await gatewayReady();
    const key = unique('secret');
    await withClient('org1', mode, async (org1) => {
      const kvOr = org1.network(CHANNEL).contract('kv_or');
      await kvOr.submit('putPrivate', {
        args: ['org1Only', key],
        transient: { value: Buffer.from('s1') },
        endorsingOrgs: ['Org1MSP'],
      });
      // (An evaluate takes transient fields too; getPrivate ignores them.)
      const got = await kvOr.evaluate('getPrivate', {
        args: ['org1Only', key],
        transient: { x: new Uint8Array([0]) },
      });
      assert.equal(got.toString(), 's1');
    });
  });
}

// scenario: private_data_shared_collection
for (const mode of MODES) {
  test(`private data in the shared collection (${mode})`, async () => {
    if (mode !== 'client') await gatewayReady();
    const key = unique('shared');
    await withClient('org1', mode, (org1) =>
      withClient('org2', mode, async (org2) => {
        await org1.network(CHANNEL).contract('kv').submit('putPrivate', {
          args: ['shared', key],
          transient: { value: 's2' },
          commitStrategy: 'NETWORK_SCOPE_ALLFORTX',
        });
        const got = await org2.network(CHANNEL).contract('kv').evaluate('getPrivate', { args: ['shared', key] });
        assert.equal(got.toString(), 's2');
      }),
    );
  });
}

// scenario: chaincode_event_with_commit
for (const mode of MODES) {
  test(`the chaincode event comes with the commit (${mode})`, async () => {
    if (mode !== 'client') await gatewayReady();
    const done = await withClient('org1', mode, (org1) =>
      org1.network(CHANNEL).contract('kv').submit('event', { args: ['flow-event', Buffer.from('payload-1')] }),
    );
    assert.equal(done.events.length, 1);
    const [ev] = done.events;
    assert.equal(ev.eventName, 'flow-event');
    assert.equal(ev.payload.toString(), 'payload-1');
    assert.equal(ev.txId, done.txId);
    assert.equal(ev.blockNumber, done.blockNumber);
    assert.equal(ev.chaincodeId, 'kv');
    assert.equal(done.via, viaOf(mode));
  });
}

// scenario: chaincode_error_on_submit
for (const mode of MODES) {
  test(`a chaincode error on submit is an EndorseError (${mode})`, async () => {
    if (mode !== 'client') await gatewayReady();
    const err = await withClient('org1', mode, (org1) =>
      rejection(org1.network(CHANNEL).contract('kv').submit('fail', { args: ['asset a9 is locked'] })),
    );
    assert.ok(err instanceof EndorseError, `${err.name}: ${err.message}`);
    assert.ok(err instanceof FabweaveError);
    assert.match(err.message, /asset a9 is locked/);
    assert.equal(err.kind, 'endorse');
    assert.equal(err.retryable, false);
    assert.match(err.transactionId, /^[0-9a-f]{64}$/);
    assert.ok(
      err.details.some((d) => d.status === 500 && d.message.includes('a9')),
      JSON.stringify(err.details),
    );
    for (const d of err.details) {
      assert.deepEqual(Object.keys(d).sort(), ['address', 'message', 'mspId', 'peer', 'status']);
      assert.equal(typeof d.status, 'number');
    }
  });
}

// scenario: chaincode_error_on_evaluate
for (const mode of MODES) {
  test(`a chaincode error on evaluate is an EndorseError (${mode})`, async () => {
    if (mode !== 'client') await gatewayReady();
    const err = await withClient('org1', mode, (org1) =>
      rejection(org1.network(CHANNEL).contract('kv').evaluate('fail', { args: ['no such asset'] })),
    );
    assert.ok(err instanceof EndorseError, `${err.name}: ${err.message}`);
    assert.match(err.message, /no such asset/);
  });
}

// scenario: concurrent_increments_without_retry
for (const mode of MODES) {
  test(`concurrent increments without retry (${mode})`, async () => {
    if (mode !== 'client') await gatewayReady();
    const key = unique('hot');
    await withClient('org1', mode, async (org1) => {
      const kvOr = org1.network(CHANNEL).contract('kv_or');
      const results = await Promise.allSettled(
        Array.from({ length: 4 }, () => kvOr.submit('increment', { args: [key], retry: false })),
      );
      let ok = 0;
      let conflicts = 0;
      for (const r of results) {
        if (r.status === 'fulfilled') {
          ok += 1;
        } else if (r.reason instanceof CommitError && r.reason.validationCode === 11) {
          assert.equal(r.reason.validationCodeName, 'MVCC_READ_CONFLICT');
          conflicts += 1;
        } else {
          throw r.reason;
        }
      }
      assert.ok(ok >= 1 && conflicts >= 1, `ok ${ok}, conflicts ${conflicts}`);
      assert.equal((await kvOr.evaluate('get', { args: [key] })).toString(), String(ok));
    });
  });
}

// scenario: concurrent_increments_retried_commit_once
for (const mode of MODES) {
  test(`concurrent increments retried commit once each (${mode})`, async () => {
    if (mode !== 'client') await gatewayReady();
    const key = unique('hot-retried');
    await withClient('org1', mode, async (org1) => {
      const kvOr = org1.network(CHANNEL).contract('kv_or');
      const done = await Promise.all(Array.from({ length: 4 }, () => kvOr.submit('increment', { args: [key] })));
      for (const d of done) {
        assert.equal(committedAttempts(d), 1, JSON.stringify(d.attempts));
        assert.equal(d.attempts.at(-1).txId, d.txId);
      }
      assert.equal((await kvOr.evaluate('get', { args: [key] })).toString(), '4');
    });
  });
}

// scenario: endorse_stage_deadline
for (const mode of MODES) {
  test(`the endorse stage deadline (${mode})`, async () => {
    if (mode !== 'client') await gatewayReady();
    await withClient('org1', mode, async (org1) => {
      const kvOr = org1.network(CHANNEL).contract('kv_or');
      const started = performance.now();
      const err = await rejection(kvOr.submit('sleep', { args: ['3000'], endorseTimeout: 0.5 }));
      const took = performance.now() - started;
      assert.ok(err instanceof TimeoutError, `${err.name}: ${err.message}`);
      assert.equal(err.stage, 'endorse');
      assert.match(err.message, /endorse/);
      assert.ok(took < 2000, `took ${took} ms`);
    });
  });
}

// scenario: commit_strategy_none_returns_when_ordered
for (const mode of MODES) {
  test(`commit strategy NONE returns when ordered (${mode})`, async () => {
    if (mode !== 'client') await gatewayReady();
    const done = await withClient('org1', mode, (org1) =>
      org1.network(CHANNEL).contract('kv_or').submit('put', { args: [unique('no-wait'), '1'], commitStrategy: 'NONE' }),
    );
    assert.equal(done.confirmed, false);
    assert.match(done.txId, /^[0-9a-f]{64}$/);
  });
}

// scenario: thousand_concurrent_submits
for (const mode of MODES) {
  test(`a thousand concurrent submits (${mode})`, async () => {
    if (mode !== 'client') await gatewayReady();
    const prefix = `${unique('bulk')}-`;
    await withClient('org1', mode, async (org1) => {
      const kvOr = org1.network(CHANNEL).contract('kv_or');
      const started = performance.now();
      const results = await Promise.allSettled(
        Array.from({ length: 1000 }, (_, i) =>
          kvOr.submit('put', { args: [`${prefix}${String(i).padStart(4, '0')}`, String(i)] }),
        ),
      );
      const took = (performance.now() - started) / 1000;
      const committed = results.filter((r) => r.status === 'fulfilled').map((r) => r.value);
      const failed = results.filter((r) => r.status === 'rejected').map((r) => r.reason);
      for (const e of failed) {
        assert.ok(e instanceof FabweaveError, `not a typed error: ${e}`);
        assert.ok(e.transactionId || e.kind === 'transport', `${e.name}: ${e.message}`);
      }
      assert.ok(committed.every((d) => d.blockNumber > 0));
      const listed = JSON.parse(await kvOr.evaluate('range', { args: [prefix, `${prefix}~`] }));
      assert.equal(listed.length, committed.length, 'committed transactions on the ledger');
      assert.ok(committed.length >= 990, `only ${committed.length} committed: ${failed[0]}`);
      console.log(`1000 concurrent submits (${mode}): ${committed.length} committed in ${took.toFixed(1)} s`);
    });
  });
}

// scenario: own_peer_down_default_strategy_returns
for (const mode of MODES) {
  test(`own peer down: the default strategy still returns (${mode})`, async () => {
    if (mode !== 'client') await gatewayReady();
    await withClient('org1', mode, async (org1) => {
      const kvOr = org1.network(CHANNEL).contract('kv_or');
      await kvOr.submit('put', { args: [unique('peer-up'), '1'] }); // connections made while all are up
      await stopped(['peer1.org1'], async () => {
        const started = performance.now();
        const done = await kvOr.submit('put', { args: [unique('peer-down'), '1'] });
        const took = performance.now() - started;
        assert.ok(done.blockNumber > 0);
        assert.ok(took < 15_000, `took ${took} ms`);
      });
    });
  });
}

// ---- Gateway scenarios (rust-gateway: sdk-core/tests/gateway_flow.rs) ------------------------

// scenario: auto_picks_the_gateway
test('auto picks the Gateway; calls pinning peers keep the client-side flow', async () => {
  await gatewayReady();
  await withClient('org1', 'auto', async (auto) => {
    assert.equal(auto.lastVia, null);
    const kv = auto.network(CHANNEL).contract('kv');
    const key = unique('gw-auto');
    const done = await kv.submit('put', { args: [key, 'a'] });
    assert.equal(done.via, 'gateway');
    assert.equal((await kv.evaluate('get', { args: [key] })).toString(), 'a');
    assert.equal(auto.lastVia, 'gateway');
    const pinned = await kv.evaluate('get', { args: [key], peers: [done.endorsers[0].peer] });
    assert.equal(pinned.toString(), 'a');
    assert.equal(auto.lastVia, 'client');
  });
});

// scenario: gateway_endorsers_named
test('the Gateway names its endorsers', async () => {
  await gatewayReady();
  const done = await withClient('org1', 'gateway', (gw) =>
    gw.network(CHANNEL).contract('kv_and').submit('put', { args: [unique('gw-and'), '1'] }),
  );
  assert.equal(done.via, 'gateway');
  assert.deepEqual(done.endorsers.map((e) => e.mspId).sort(), ORGS, JSON.stringify(done.endorsers));
  assert.ok(done.endorsers.every((e) => e.address && e.peer), JSON.stringify(done.endorsers));
});

// scenario: gateway_chaincode_error_details
test("the Gateway's chaincode error has per-peer details", async () => {
  await gatewayReady();
  const err = await withClient('org1', 'gateway', (gw) =>
    rejection(gw.network(CHANNEL).contract('kv').submit('fail', { args: ['asset g7 is locked'] })),
  );
  assert.ok(err instanceof EndorseError, `${err.name}: ${err.message}`);
  assert.equal(err.kind, 'endorse');
  assert.equal(err.retryable, false);
  assert.ok(
    err.details.some(
      (d) => d.status === 500 && d.message.includes('g7') && d.mspId.endsWith('MSP') && d.address,
    ),
    JSON.stringify(err.details),
  );
});

// scenario: gateway_conflicts_retried
test('read conflicts through the Gateway are retried', async () => {
  await gatewayReady();
  const key = unique('gw-counter');
  await withClient('org1', 'gateway', async (gw) => {
    const kvOr = gw.network(CHANNEL).contract('kv_or');
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => kvOr.submit('increment', { args: [key], retry: { attempts: 10 } })),
    );
    let ok = 0;
    let retried = 0;
    for (const r of results) {
      if (r.status === 'fulfilled') {
        assert.equal(r.value.via, 'gateway');
        assert.equal(committedAttempts(r.value), 1, JSON.stringify(r.value.attempts));
        if (r.value.attempts.length > 1) retried += 1;
        ok += 1;
      } else {
        assert.ok(r.reason instanceof FabweaveError, String(r.reason));
      }
    }
    assert.ok(ok >= 1);
    assert.equal((await kvOr.evaluate('get', { args: [key] })).toString(), String(ok));
    console.log(`gateway increments: ${ok} of 8 committed, ${retried} after a read conflict`);
  });
});

// ---- routing scenarios (rust-routing: sdk-core/tests/routing_network.rs) ---------------------
// Client-side routing is what these test, as in Rust: mode 'client'.

// scenario: and_policy_endorsed_by_both_orgs
test('an AND policy is endorsed by both organizations', async () => {
  const done = await withClient('org1', 'client', (org1) =>
    org1.network(CHANNEL).contract('kv_and').submit('put', { args: [unique('route-and'), '1'] }),
  );
  assert.deepEqual(msps(done), ORGS);
  assert.equal(done.endorsers.length, 2);
});

// scenario: or_policy_endorsed_by_own_org
test("an OR policy is endorsed by the client's own organization", async () => {
  for (const [org, own] of [['org1', 'Org1MSP'], ['org2', 'Org2MSP']]) {
    const done = await withClient(org, 'client', (client) =>
      client.network(CHANNEL).contract('kv_or').submit('put', { args: [unique('route-or'), own] }),
    );
    assert.equal(done.endorsers.length, 1, JSON.stringify(done.endorsers));
    assert.equal(done.endorsers[0].mspId, own);
  }
});

// scenario: private_data_endorsed_by_collection_members
test("private data is endorsed by the collection's members", async () => {
  const key = unique('secret-key');
  await withClient('org2', 'client', (org2) =>
    withClient('org1', 'client', async (org1) => {
      const done = await org2.network(CHANNEL).contract('kv_or').submit('putPrivate', {
        args: ['org1Only', key],
        transient: { value: 's3cret' },
        collections: ['org1Only'],
      });
      assert.ok(done.blockNumber > 0);
      assert.deepEqual(msps(done), ['Org1MSP'], JSON.stringify(done.endorsers));
      const got = await org1.network(CHANNEL).contract('kv_or').evaluate('getPrivate', { args: ['org1Only', key] });
      assert.equal(got.toString(), 's3cret');
    }),
  );
});

// scenario: single_peer_profile_discovers_the_rest
test('a profile naming a single peer discovers the rest', async () => {
  const org1 = manifest.orgs.org1;
  const doc = JSON.parse(readFileSync(org1.profiles.ccpJson, 'utf8'));
  doc.peers = Object.fromEntries(Object.entries(doc.peers).filter(([k]) => k.startsWith('peer0.')));
  doc.organizations.Org1.peers = ['peer0.org1.example.com'];
  assert.ok(!('orderers' in doc) && !('channels' in doc), 'expected a fabric-samples profile');
  const dir = mkdtempSync(join(tmpdir(), 'fabweave-single-peer-'));
  try {
    const single = join(dir, 'single-peer.json');
    writeFileSync(single, JSON.stringify(doc));
    const identity = await Identity.fromFiles(org1.mspId, org1.user1.cert, org1.user1.key);
    const lone = await connect({ profile: single, identity, mode: 'client' });
    try {
      const done = await lone.network(CHANNEL).contract('kv_and').submit('put', { args: [unique('from-one-peer'), '1'] });
      assert.deepEqual(msps(done), ORGS);
    } finally {
      await lone.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// scenario: discovery_reports_the_channel
test('discovery reports the channel', async () => {
  await withClient('org1', 'client', async (org1) => {
    const view = await discovered(org1.network(CHANNEL), 4);
    assert.equal(view.peers.length, 4, JSON.stringify(view));
    assert.ok(view.peers.every((p) => (p.height ?? 0) > 0), JSON.stringify(view));
    assert.deepEqual([...new Set(view.peers.map((p) => p.mspId))].sort(), ORGS);
    assert.equal(view.orderers.length, 3, JSON.stringify(view.orderers));
    for (const m of ORGS) assert.ok(view.msps.includes(m), JSON.stringify(view.msps));
    assert.deepEqual((await org1.network(CHANNEL).view()).peers, view.peers);
  });
});

// scenario: static_plan_from_caller_policy
test("a static plan from the caller's endorsement policy", async () => {
  await withClient(
    'org1',
    'client',
    async (offline) => {
      const ch = offline.network(CHANNEL);
      const kvAnd = ch.contract('kv_and', { endorsementPolicy: "AND('Org1MSP.peer', 'Org2MSP.peer')" });
      let done = await kvAnd.submit('put', { args: [unique('static-and'), '1'] });
      assert.deepEqual(msps(done), ORGS, JSON.stringify(done.endorsers));
      const kvOr = ch.contract('kv_or', { endorsementPolicy: "OR('Org1MSP.peer', 'Org2MSP.peer')" });
      done = await kvOr.submit('put', { args: [unique('static-or'), '1'] });
      assert.deepEqual(done.endorsers.map((e) => e.mspId), ['Org1MSP']);
      const view = await ch.view();
      assert.ok(!view.peers.some((p) => p.discovered), JSON.stringify(view));
    },
    { discovery: false },
  );
  await withClient('org1', 'auto', async (client) => {
    assert.throws(
      () => client.network(CHANNEL).contract('kv', { endorsementPolicy: "AND('Org1MSP.peer'," }),
      (e) => {
        assert.ok(e instanceof ProfileError, `${e.name}: ${e.message}`);
        assert.match(e.message, /endorsement policy/);
        return true;
      },
    );
  });
});

// scenario: failover_when_peers_stop
test('failover when peers stop', async () => {
  const downPeers = ['peer0.org1', 'peer0.org2'];
  const downPorts = downPeers.map(portOf);
  await withClient('org1', 'client', async (org1) => {
    const kv = org1.network(CHANNEL).contract('kv');
    await kv.submit('put', { args: [unique('before-failover'), 'v'] });
    await stopped(downPeers, async () => {
      for (let i = 0; i < 8; i++) {
        const done = await kv.submit('put', { args: [unique(`failover-${i}`), 'v'] });
        assert.deepEqual(msps(done), ORGS);
        for (const e of done.endorsers) {
          assert.ok(!downPorts.some((p) => e.address.endsWith(`:${p}`)), JSON.stringify(e));
        }
      }
    });
    // Restarted, they take load again once discovery reports them caught up.
    await discovered(org1.network(CHANNEL), 4);
    await waitEndorsedBy(kv, downPorts, 90_000);
  });
});

// scenario: org_down_fails_fast
test('an organization down fails fast, naming it', async () => {
  const org2Peers = ['peer0.org2', 'peer1.org2'];
  const ports = org2Peers.map(portOf);
  await withClient('org1', 'client', async (org1) => {
    const kvAnd = org1.network(CHANNEL).contract('kv_and');
    // Both Org2 peers must be in the client's discovery layouts before they stop.
    await discovered(org1.network(CHANNEL), 4);
    await kvAnd.submit('put', { args: [unique('before-org2-down'), '1'] });
    await stopped(org2Peers, async () => {
      let started = performance.now();
      let err = await rejection(kvAnd.submit('put', { args: [unique('org2-down'), '1'], retry: false }));
      const took = performance.now() - started;
      assert.ok(err instanceof EndorseError, `${err.name}: ${err.message}`);
      assert.ok(took < 10_000, `took ${took} ms: ${err.message}`);
      assert.match(err.message, /Org2MSP/);
      assert.match(err.message, /cannot be met/);
      for (const port of ports) {
        assert.ok(
          err.details.some((d) => d.address.endsWith(`:${port}`) && d.message),
          `${port} missing from ${JSON.stringify(err.details)}`,
        );
      }
      assert.deepEqual([...new Set(err.details.map((d) => d.mspId))], ['Org2MSP']);
      // With the default retries it still ends fast, naming Org2's group.
      started = performance.now();
      err = await rejection(kvAnd.submit('put', { args: [unique('org2-down'), '2'] }));
      assert.ok(err instanceof EndorseError, `${err.name}: ${err.message}`);
      assert.ok(performance.now() - started < 15_000);
      assert.match(err.message, /Org2MSP/);
      if (err.attempts) assert.ok(err.attempts.length > 1);
    });
  });
});

// ---- submit safety scenarios (rust-safety: sdk-core/tests/submit_safety.rs) ------------------

// scenario: contended_increments_add_up
for (const hotKeys of [false, true]) {
  test(`contended increments add up (hot-key scheduling ${hotKeys})`, async () => {
    // 200 increments on 4 keys, 32 at a time (Rust: 1,000 at 64).
    const calls = 200;
    const keys = 4;
    const concurrency = 32;
    const prefix = unique('contended');
    const patient = { attempts: 1000, deadline: 600 };
    await withClient(
      'org1',
      'client',
      async (org1) => {
        const kvOr = org1.network(CHANNEL).contract('kv_or', { hotKeyScheduling: hotKeys });
        let next = 0;
        let attempts = 0;
        const worker = async () => {
          while (next < calls) {
            const i = next++;
            const done = await kvOr.submit('increment', { args: [`${prefix}-${i % keys}`] });
            assert.equal(committedAttempts(done), 1, JSON.stringify(done.attempts));
            attempts += done.attempts.length;
          }
        };
        const started = performance.now();
        await Promise.all(Array.from({ length: concurrency }, worker));
        const took = (performance.now() - started) / 1000;
        let total = 0;
        for (let k = 0; k < keys; k++) {
          total += Number((await kvOr.evaluate('get', { args: [`${prefix}-${k}`] })).toString());
        }
        assert.equal(total, calls);
        assert.ok(attempts >= calls);
        console.log(
          `hot keys ${hotKeys}: ${calls} increments on ${keys} keys at ${concurrency}: ${attempts} attempts, ${took.toFixed(1)} s`,
        );
      },
      { retry: patient },
    );
  });
}

// scenario: errors_not_retried
test('chaincode errors and invalid transactions are not retried', async () => {
  await withClient('org1', 'client', async (org1) => {
    const ch = org1.network(CHANNEL);
    let err = await rejection(ch.contract('kv_or').submit('fail', { args: ['boom'] }));
    assert.ok(err instanceof EndorseError, `${err.name}: ${err.message}`);
    // A retried submit's error carries its attempts; a plain one does not.
    assert.equal(err.attempts, undefined);
    assert.ok(err.details.some((d) => d.message.includes('boom')));
    err = await rejection(
      ch.contract('kv_and').submit('put', { args: [unique('policy'), 'x'], endorsingOrgs: ['Org1MSP'] }),
    );
    assert.ok(err instanceof CommitError, `${err.name}: ${err.message}`);
    assert.equal(err.attempts, undefined);
    assert.equal(err.validationCode, 10);
  });
});

// scenario: commit_wait_cut_settled_from_ledger
test('a commit wait cut short is settled from the ledger', async () => {
  const strategy = 'MSPID_SCOPE_ALLFORTX';
  const key = unique('cut');
  await withClient('org1', 'client', async (org1) => {
    const kvOr = org1.network(CHANNEL).contract('kv_or');
    await kvOr.submit('put', { args: [unique('warm-up'), '1'], commitStrategy: strategy });
    // Org1's peers (the event sources of the MSPID scope) hang; endorsed by Org2.
    const done = await frozen(['peer0.org1', 'peer1.org1'], () =>
      kvOr.submit('increment', {
        args: [key],
        endorsingOrgs: ['Org2MSP'],
        commitStrategy: strategy,
        commitTimeout: 3,
      }),
    );
    assert.equal(done.resolvedFromLedger, true);
    assert.ok(done.blockNumber > 0);
    assert.equal(done.attempts.length, 1);
  });
  const got = await withClient('org2', 'client', (org2) =>
    org2.network(CHANNEL).contract('kv_or').evaluate('get', { args: [key] }),
  );
  assert.equal(got.toString(), '1');
});

// ---- last: an orderer restart (rust-flow) -----------------------------------------------------

// scenario: orderer_stopped_submits_continue
test('submits continue with an orderer stopped (client)', async () => {
  // Client-side only, as in Rust: through the Gateway the peer picks the orderer, and a Fabric
  // Gateway that picks the stopped one waits up to its 30 s broadcast timeout.
  await withClient('org1', 'client', async (org1) => {
    const kvOr = org1.network(CHANNEL).contract('kv_or');
    await stopped(['orderer0'], async () => {
      for (let i = 0; i < 6; i++) {
        const done = await kvOr.submit('put', { args: [unique(`after-stop-${i}`), 'v'] });
        assert.ok(done.blockNumber > 0);
        assert.equal(done.via, 'client');
      }
    });
  });
});
