import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoStore } from '@opsagent/store-dynamodb';
import { callTool, createTestAgent, reply, type TestAgent } from '@opsagent/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLabPlugin } from './helpers.js';

// Two agents (two "servers") with their own DynamoDB clients on one table, as two Lambda
// execution environments or two replicas of a long-running bot would be.
const dynalite = createRequire(import.meta.url)('dynalite') as (options: {
  createTableMs?: number;
}) => Server;

let server: Server;
let endpoint: string;
let tables = 0;
beforeAll(async () => {
  server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A store on `table` with a client of its own. */
function sharedStore(table: string): DynamoStore {
  const client = new DynamoDBClient({
    region: 'eu-west-1',
    endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  cleanups.push(() => client.destroy());
  return new DynamoStore({ table, createTable: true, client });
}

/** Two agents sharing one new table; the lab plugin (and its run log) is shared too. */
async function twoServers(script: Parameters<typeof createTestAgent>[0] = {}) {
  tables += 1;
  const table = `shared-${tables}`;
  const lab = createLabPlugin();
  const agents: TestAgent[] = [];
  for (const _ of [1, 2]) {
    const t = await createTestAgent({
      plugins: [lab.plugin],
      store: sharedStore(table),
      ...script,
    });
    cleanups.push(() => t.stop());
    agents.push(t);
  }
  return { a: agents[0]!, b: agents[1]!, lab };
}

describe('two agents sharing a DynamoDB store', () => {
  it('runs a remediation once when operators approve it on both servers at the same moment', async () => {
    const { a, b, lab } = await twoServers({
      script: [
        callTool('propose_remediation', {
          remediation: 'restart_container',
          input: { container: 'web' },
          reason: 'web is unhealthy',
        }),
        reply('I proposed a restart.'),
      ],
    });
    await a.ask('fix web', { sender: 'victor' });
    const [pending] = await b.agent.approvals.pending();
    expect(pending?.remediation).toBe('restart_container');

    await Promise.all([
      a.channel.inject(`approve ${pending!.id}`, { sender: 'olga' }),
      b.channel.inject(`approve ${pending!.id}`, { sender: 'alice' }),
      b.channel.press(pending!.id, 'approve', { sender: 'alice', chat: 'ops' }),
    ]);
    await Promise.all([a.agent.idle(), b.agent.idle()]);

    expect(lab.runs).toEqual([{ container: 'web', approvalId: pending!.id }]);
    expect((await a.agent.store.getApproval(pending!.id))?.status).toBe('succeeded');
    const audit = await b.agent.store.listAudit();
    expect(audit.filter((r) => r.type === 'decision' && r.subject === pending!.id)).toHaveLength(1);
    expect(
      audit.filter((r) => r.type === 'execution' && r.detail.status === 'succeeded'),
    ).toHaveLength(1);
  });

  it('answers a message delivered to both servers (a retry to another instance) once', async () => {
    const { a, b } = await twoServers();
    await Promise.all([
      a.channel.inject('status', { id: 'Ev-retried-1' }),
      b.channel.inject('status', { id: 'Ev-retried-1' }),
    ]);
    await Promise.all([a.agent.idle(), b.agent.idle()]);
    const replies = [...a.channel.sent, ...b.channel.sent];
    expect(replies).toHaveLength(1);
    expect(replies[0]?.text).toContain('lab');
  });

  it('continues a conversation on the other server with its history', async () => {
    const { a, b } = await twoServers();
    await a.ask('status', { chat: 'C1', thread: 't1' });
    const key = 'fake|C1|t1';
    expect((await b.agent.store.getConversation(key))?.status).toBe('open');
    await b.ask('help', { chat: 'C1', thread: 't1' });
    const audit = await a.agent.store.listAudit();
    expect(audit.filter((r) => r.type === 'command').map((r) => r.subject)).toEqual([
      'status',
      'help',
    ]);
  });
});
