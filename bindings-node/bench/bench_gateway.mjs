// The same workload (common.mjs) from @hyperledger/fabric-gateway, Hyperledger's Gateway client
// for Node, over @grpc/grpc-js to Org1's first peer, as its documentation sets it up: User1's
// certificate and P-256 key, the peer's TLS CA, default options. Installed in this folder by
// compare.mjs (`npm install` here: package.json).
//
//   node bindings-node/bench/bench_gateway.mjs --base 23600 --concurrency 64 --count 3000
import { readFileSync } from 'node:fs';
import { createPrivateKey } from 'node:crypto';
import { join } from 'node:path';

import * as grpc from '@grpc/grpc-js';
import { connect, hash, signers } from '@hyperledger/fabric-gateway';

import { bench, options, VALUE } from './common.mjs';

const REPO = join(import.meta.dirname, '..', '..');
const args = options();
const manifest = JSON.parse(readFileSync(join(REPO, '.net', String(args.base), 'network.json'), 'utf8'));
const peer = manifest.peers.find((p) => p.mspId === args.org);
const org = manifest.orgs[peer.org];
const client = new grpc.Client(peer.address, grpc.credentials.createSsl(readFileSync(peer.tlsCaFile)), {
  'grpc.ssl_target_name_override': peer.tlsHost,
});
const gateway = connect({
  client,
  identity: { mspId: org.mspId, credentials: readFileSync(org.user1.cert) },
  signer: signers.newPrivateKeySigner(createPrivateKey(readFileSync(org.user1.key))),
  hash: hash.sha256,
});
try {
  const contract = gateway.getNetwork(args.channel).getContract(args.chaincode);
  console.log(`bench_gateway: @hyperledger/fabric-gateway (Node ${process.version}) to ${peer.name} ${peer.address}`);
  const orgs = [args.org];
  await bench('fabric-gateway', args, (key) =>
    contract.submit('put', { arguments: [key, VALUE], endorsingOrganizations: orgs }),
  );
} finally {
  gateway.close();
  client.close();
}
