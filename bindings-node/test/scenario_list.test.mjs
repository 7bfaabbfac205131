// The Node suite runs exactly the scenarios tests/scenarios.json lists for it. Needs no network.
// A test runs a scenario when a `// scenario: <id>` line comes before it in a test file (several
// tests may follow one mark: one per mode, say). sdk-core/tests/scenario_list.rs and
// bindings-python/tests/test_scenario_list.py check the Rust and Python suites.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TESTS = dirname(fileURLToPath(import.meta.url));
const LIST = join(TESTS, '..', '..', 'tests', 'scenarios.json');

/** Scenario id -> the test files that mark it. */
function marked() {
  const found = new Map();
  for (const file of readdirSync(TESTS).filter((f) => f.endsWith('.test.mjs')).sort()) {
    for (const m of readFileSync(join(TESTS, file), 'utf8').matchAll(/^\/\/ scenario: (\S+)$/gm)) {
      found.set(m[1], [...(found.get(m[1]) ?? []), file]);
    }
  }
  return found;
}

test('the Node suite runs exactly the scenarios listed for it', () => {
  const data = JSON.parse(readFileSync(LIST, 'utf8'));
  assert.ok('node' in data.suites, 'no node suite in tests/scenarios.json');
  const listed = new Set(data.scenarios.filter((s) => s.suites.includes('node')).map((s) => s.id));
  const ids = marked();
  const missing = [...listed].filter((id) => !ids.has(id)).sort();
  const unlisted = [...ids.keys()].filter((id) => !listed.has(id)).sort();
  assert.deepEqual(missing, [], `listed for node in ${LIST} but marked in no test file`);
  assert.deepEqual(unlisted, [], `marked in the Node tests but not listed for node in ${LIST}`);
  for (const [id, files] of ids) assert.equal(files.length, 1, `${id} is marked in ${files}`);
});
