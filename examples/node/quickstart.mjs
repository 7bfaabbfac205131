// Quick start in Node: load a downloaded profile, submit a transaction, read it back.
//
//   npm install ./bindings-node
//   tests/network/net up
//   node examples/node/quickstart.mjs                        # the local network's BCS-style profile
//   node examples/node/quickstart.mjs PROFILE USER CHANNEL CHAINCODE
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { connect, FabweaveError } from 'fabweave';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DEFAULT_PROFILE = join(REPO, '.net/27000/profiles/org1/bcs/org1-user-sdk-config.yaml');

const [profile = DEFAULT_PROFILE, user = 'User1', channel = 'mychannel', chaincode = 'kv'] =
  process.argv.slice(2);

let client;
try {
  client = await connect({ profile, user });
  console.log(`connected as ${user} (${client.mspId})`);
  const contract = client.network(channel).contract(chaincode);
  const key = `quickstart-node-${process.hrtime.bigint()}`;
  const done = await contract.submit('put', { args: [key, 'hello, fabric'] });
  console.log(`submitted put(${key}): tx ${done.txId} committed in block ${done.blockNumber} via ${done.via}`);
  const value = await contract.evaluate('get', { args: [key] });
  console.log(`evaluated get(${key}): ${value.toString()}`);
} catch (e) {
  if (!(e instanceof FabweaveError)) throw e;
  console.error(`quickstart: ${e.message}`);
  process.exitCode = 1;
} finally {
  await client?.close();
}
