// Committed transactions per second and client CPU per transaction from fabweave's Node package
// (the package in this folder's parent, with whatever addon is built there: compare.mjs builds a
// release one). The workload and output are common.mjs's.
//
//   node bindings-node/bench/bench_submit.mjs --base 23600 --concurrency 64 --count 3000
import { join } from 'node:path';
import { createRequire } from 'node:module';

import { bench, options, VALUE } from './common.mjs';

const { connect } = createRequire(import.meta.url)('../index.js');
const REPO = join(import.meta.dirname, '..', '..');

const args = options();
const profile = join(REPO, '.net', String(args.base), 'profiles/org1/bcs/org1-user-sdk-config.yaml');
const client = await connect({ profile, user: args.user });
try {
  const contract = client.network(args.channel).contract(args.chaincode);
  console.log(`bench_submit: fabweave (Node ${process.version}) ${profile} as ${args.user}`);
  const orgs = [args.org];
  await bench('fabweave', args, (key) => contract.submit('put', { args: [key, VALUE], endorsingOrgs: orgs }));
} finally {
  await client.close();
}
