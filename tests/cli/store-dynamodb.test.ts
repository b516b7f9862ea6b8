import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoStore } from '@opsagent/store-dynamodb';
import { createStore, loadConfig } from 'opsagent';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cliEnv, runCli } from '../helpers/cli.js';

// dynalite ships no types; it is a DynamoDB-compatible server running in this process.
const dynalite = createRequire(import.meta.url)('dynalite') as (options: {
  createTableMs?: number;
}) => Server;

const dir = mkdtempSync(join(tmpdir(), 'opsagent-cli-dynamodb-'));
const credentials = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };

let server: Server;
let endpoint: string;
beforeAll(async () => {
  server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI without blocking this process (dynalite answers from here). */
function opsagent(
  args: string[],
  options: { cwd: string; input?: string; env?: Record<string, string> },
) {
  return runCli(args, {
    cwd: options.cwd,
    env: cliEnv(dir, options.env, join(options.cwd, 'data')),
    timeoutMs: 30_000,
    ...(options.input === undefined ? {} : { input: options.input }),
  });
}

/** A folder with an opsagent.yaml holding `yaml`. */
function project(yaml: string): string {
  const cwd = mkdtempSync(join(dir, 'project-'));
  writeFileSync(join(cwd, 'opsagent.yaml'), yaml);
  return cwd;
}

describe('opsagent with store: { type: dynamodb }', () => {
  it('keeps state of several CLI processes in one DynamoDB table, and doctor checks the table', async () => {
    const cwd = project(
      [
        'store:',
        '  type: dynamodb',
        '  table: opsagent-shared',
        '  region: eu-west-1',
        '  createTable: true',
        '',
      ].join('\n'),
    );
    // The endpoint comes from the SDK's own variable, as on a developer machine with DynamoDB Local.
    const env = { ...credentials, AWS_ENDPOINT_URL_DYNAMODB: endpoint };
    const first = await opsagent(['chat'], { cwd, env, input: 'status\n' });
    // dynalite has no UpdateTimeToLive: the created table works, with a warning about TTL.
    const logged = first.stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { level: number; msg: string });
    expect(logged).toEqual([
      expect.objectContaining({ level: 40, msg: expect.stringContaining('could not enable TTL') }),
    ]);
    expect(first.code).toBe(0);
    const second = await opsagent(['chat'], { cwd, env, input: 'help\n' });
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('Commands:');

    const doctor = await opsagent(['doctor'], { cwd, env });
    expect(doctor.stdout).toMatch(
      /✓ store +dynamodb table opsagent-shared \(eu-west-1\) exists with the expected keys and index/,
    );

    // Both processes wrote to the same table: their commands are in one audit log.
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
    const store = new DynamoStore({ table: 'opsagent-shared', region: 'eu-west-1', endpoint });
    try {
      await store.init();
      const audit = await store.listAudit();
      expect(audit.filter((r) => r.type === 'command').map((r) => r.subject)).toEqual([
        'status',
        'help',
      ]);
      expect((await store.getConversation('console|console|'))?.status).toBe('open');
    } finally {
      await store.close();
      vi.unstubAllEnvs();
    }
  });

  it('fails doctor and chat with the table named and how to create it when the table is missing', async () => {
    const cwd = project(
      `store:\n  type: dynamodb\n  table: not-created\n  region: eu-west-1\n  endpoint: ${endpoint}\n`,
    );
    const doctor = await opsagent(['doctor'], { cwd, env: credentials });
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toContain('✗ store');
    expect(doctor.stdout).toContain('DynamoDB table "not-created" in eu-west-1');
    expect(doctor.stdout).toContain('does not exist');
    expect(doctor.stdout).toContain('store.createTable: true');

    const chat = await opsagent(['chat'], { cwd, env: credentials, input: 'status\n' });
    expect(chat.code).not.toBe(0);
    expect(chat.stderr).toContain('"not-created"');
  });

  it('rejects a dynamodb store without a table, or with sqlite options, naming the field', async () => {
    const noTable = await opsagent(['doctor'], {
      cwd: project('store:\n  type: dynamodb\n  region: eu-west-1\n'),
    });
    expect(noTable.code).toBe(1);
    expect(noTable.stdout).toContain('store.table: required with type: dynamodb');

    const mixed = await opsagent(['status'], {
      cwd: project('store:\n  type: dynamodb\n  table: t1-table\n  path: /tmp/x.db\n'),
    });
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain('store.path: only applies to type: sqlite');

    const sqliteWithTable = await opsagent(['status'], {
      cwd: project('store:\n  table: t1-table\n'),
    });
    expect(sqliteWithTable.code).toBe(2);
    expect(sqliteWithTable.stderr).toContain('store.table: only applies to type: dynamodb');
  });

  it('names a table name or endpoint DynamoDB would refuse before connecting', async () => {
    const doctor = await opsagent(['doctor'], {
      cwd: project('store:\n  type: dynamodb\n  table: "my table"\n  endpoint: "localhost:8000"\n'),
      env: credentials,
    });
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toContain('✗ store');
    expect(doctor.stdout).toContain('store.table: expected a DynamoDB table name');
    expect(doctor.stdout).toContain('store.endpoint: expected an http(s) URL');
  });

  it('passes retention and the other DynamoDB options from the file to the store', async () => {
    const cwd = project(
      [
        'store:',
        '  type: dynamodb',
        '  table: opsagent-retention',
        '  region: eu-west-1',
        `  endpoint: ${endpoint}`,
        '  createTable: true',
        '  maxAttempts: 2',
        '  retention:',
        '    conversations: 7d',
        '    approvals: 1h',
        '',
      ].join('\n'),
    );
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
    const env = { ...process.env };
    const store = await createStore(loadConfig({ cwd, env }), { env });
    try {
      expect(store).toBeInstanceOf(DynamoStore);
      await store.init();
      const at = new Date('2026-03-01T12:00:00.000Z');
      await store.putConversation({
        key: 'slack|C1|1.1',
        channel: 'slack',
        address: { chat: 'C1', thread: '1.1' },
        status: 'open',
        createdAt: at,
        lastActivityAt: at,
      });
      // The item's TTL is 7 days after the last activity (the default would be 30).
      const client = new DynamoDBClient({
        region: 'eu-west-1',
        endpoint,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      });
      const { Item } = await client.send(
        new GetItemCommand({
          TableName: 'opsagent-retention',
          Key: { pk: { S: 'conv#slack|C1|1.1' }, sk: { S: 'conv' } },
        }),
      );
      client.destroy();
      expect(Item?.ttl?.N).toBe(String((at.getTime() + 7 * 86_400_000) / 1000));
    } finally {
      await store.close();
      vi.unstubAllEnvs();
    }
  });
});
