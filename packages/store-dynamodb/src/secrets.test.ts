// Secret canaries in incidents on DynamoDB: a finding whose key, title, evidence and data hold
// secrets goes through the runtime's monitor into a real DynamoStore (dynalite on loopback); a
// scan of every item in the table finds none of them, and the incident keeps one stable key.
import { type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { createAgent, definePlugin, type Finding } from '@opsagent/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dynalite, localClient, startDynalite } from './__fixtures__/dynamodb.js';
import { DynamoStore } from './dynamo-store.js';

const CANARIES = {
  HA_TOKEN: 'eyJcanary.home-assistant.0000000004',
  AWS_SECRET_ACCESS_KEY: 'canaryAwsSecretKey/0000000008+abc',
  OPSAGENT_API_TOKEN: 'canary-management-api-token-0000000010',
};
const VALUES = Object.values(CANARIES);

let server: Dynalite;
let client: DynamoDBClient;
beforeAll(async () => {
  server = await startDynalite();
  client = localClient(server.endpoint);
});
afterAll(async () => {
  client.destroy();
  await server.close();
});

describe('secrets in incidents on DynamoDB', () => {
  it('stores no secret from a finding in any item, under one stable redacted key', async () => {
    const finding: Finding = {
      key: `ha:entity:${CANARIES.HA_TOKEN}`,
      severity: 'warning',
      resource: `ha:${CANARIES.HA_TOKEN}`,
      title: `Home Assistant rejected token ${CANARIES.HA_TOKEN}`,
      evidence: `AWS_SECRET_ACCESS_KEY=${CANARIES.AWS_SECRET_ACCESS_KEY}`,
      data: { headers: { authorization: `Bearer ${CANARIES.OPSAGENT_API_TOKEN}` } },
    };
    const store = new DynamoStore({ table: 'opsagent-secrets', createTable: true, client });
    const agent = await createAgent({
      plugins: [
        definePlugin({
          name: 'lab',
          setup: () => ({ sources: [{ name: 'lab', check: async () => [finding] }] }),
        }),
      ],
      env: CANARIES,
      store,
      monitor: { openAfter: 2 },
    });
    try {
      await agent.monitor.runOnce();
      await agent.monitor.runOnce();
      await agent.monitor.runOnce();
      const incidents = await store.listIncidents();
      expect(incidents.map((i) => [i.key, i.status, i.observations])).toEqual([
        ['ha:entity:[redacted]', 'open', 3],
      ]);
      const scan = await client.send(new ScanCommand({ TableName: 'opsagent-secrets' }));
      const items = JSON.stringify(scan.Items ?? []);
      expect(items).toContain('[redacted]');
      expect(VALUES.filter((v) => items.includes(v))).toEqual([]);
    } finally {
      await agent.stop();
    }
  });
});
