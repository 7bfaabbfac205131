// Compiled (never run) by `tsc --strict` in tests/run: every part of the API used as the
// README shows it, against index.d.ts. The `@ts-expect-error` lines are misuses the types must
// refuse: tsc fails if one of them compiles.
import { createPrivateKey, sign } from 'node:crypto';

import {
  CaClient,
  CommitError,
  connect,
  EndorseError,
  FabweaveError,
  FileCheckpointer,
  FileWallet,
  Identity,
  InMemoryWallet,
  setLogHandler,
  type BlockEvent,
  type ChaincodeEvent,
  type ChannelView,
  type Committed,
  type EventStream,
} from 'fabweave';

export async function usage(profile: string): Promise<void> {
  const client = await connect({ profile, user: 'User1', mode: 'auto', timeouts: { commit: 30 }, retry: false });
  const network = client.network('mychannel');
  const contract = network.contract('kv', { hotKeyScheduling: true, endorsementPolicy: "OR('Org1MSP.peer')" });
  const done: Committed = await contract.submit('put', {
    args: ['k', Buffer.from('v'), new Uint8Array([1])],
    transient: { note: 'x' },
    endorsingOrgs: ['Org1MSP'],
    commitStrategy: 'NETWORK_SCOPE_ALLFORTX',
  });
  const txId: string = done.txId;
  const block: number = done.blockNumber;
  const payload: Buffer = done.payload;
  for (const a of done.attempts) if (a.error instanceof CommitError) console.log(a.error.validationCode);
  const value: Buffer = await contract.evaluate('get', { args: ['k'], peers: ['peer0.org1.example.com'] });
  const view: ChannelView = await network.view();
  console.log(txId, block, payload, value, view.peers.map((p) => p.mspId), client.lastVia);

  try {
    await contract.submit('fail', { args: ['no'] });
  } catch (e) {
    if (e instanceof EndorseError) console.log(e.code, e.transactionId);
    if (e instanceof FabweaveError) console.log(e.retryable);
  }

  // Events.
  const events: EventStream<ChaincodeEvent> = await contract.chaincodeEvents({
    start: 'oldest',
    checkpointer: new FileCheckpointer('cp.json'),
  });
  for await (const event of events) {
    const name: string = event.eventName;
    await events.ack(event);
    if (name) break;
  }
  const blocks: EventStream<BlockEvent> = await network.blockEvents({ kind: 'filtered', start: 5 });
  const first = await blocks.next();
  if (!first.done) console.log(first.value.number, first.value.transactions.length);
  await blocks.close();

  // Ledger.
  const ledger = network.ledger();
  const info = await ledger.chainInfo();
  console.log(info.height, await ledger.transaction(txId));

  // Identities, wallets, signers, steps.
  const key = createPrivateKey('-----BEGIN PRIVATE KEY-----');
  const external = Identity.fromSigner('Org1MSP', 'cert', async (m: Buffer) => sign('sha256', m, key));
  const wallet = new FileWallet('wallet', { passphrase: 'secret' });
  await wallet.put('user', await Identity.fromMspDir('Org1MSP', 'msp'));
  const fromWallet: Identity | null = await new InMemoryWallet().get('user');
  const other = await connect({ profile, identity: fromWallet ?? external });
  const proposal = other.network('mychannel').contract('kv').newProposal('put', { args: ['k', 'v'] });
  const transaction = await proposal.endorse(sign('sha256', proposal.bytes, key));
  const submitted = await transaction.submit(sign('sha256', transaction.bytes, key));
  const status: Committed = await submitted.status();
  console.log(status.blockNumber);

  // Fabric CA.
  const ca = CaClient.fromProfile(profile);
  const admin = await ca.enroll('admin', 'adminpw', { keyAlgorithm: 'p256' });
  const secret: string = await ca.register(admin, 'user1', { affiliation: 'org1.department1' });
  const enrolled = await ca.enroll('user1', secret);
  const asUser = await connect({ profile, identity: enrolled.identity() });
  await asUser.close();
  await other.close();
  await client.close();

  setLogHandler((r) => console.log(r.level, r.target, r.message, r.fields.tx_id, r.time.toISOString()), { level: 'debug' });
  setLogHandler(null);
  // @ts-expect-error: not a level
  setLogHandler(() => {}, { level: 'verbose' });

  // @ts-expect-error: args are strings or bytes, not numbers
  await contract.submit('put', { args: [1] });
  // @ts-expect-error: no such option
  await contract.evaluate('get', { arg: ['k'] });
  // @ts-expect-error: an unknown commit strategy
  await contract.submit('put', { commitStrategy: 'SOMETIMES' });
  // @ts-expect-error: evaluate resolves to a Buffer, not a Committed
  const wrong: Committed = await contract.evaluate('get');
  console.log(wrong);
}
