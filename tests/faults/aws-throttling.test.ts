// AWS throttling: the real AWS SDK clients of the aws plugin against the fake AWS endpoints. A
// throttled call the retries cannot save becomes a tool error the model sees and explains; a
// throttled monitor check opens nothing and resolves nothing; other conversations are served.
import { createAwsPlugin } from '@opsagent/source-aws';
import { callTool, createTestAgent, reply, startFakeAws } from '@opsagent/testkit';
import { describe, expect, it } from 'vitest';
import { seedAwsWorld } from '../fixtures/aws-world.js';

describe('AWS throttling', () => {
  it('turns a throttled call into a tool error, keeps incidents as they were, and serves the next question', async () => {
    const fake = await startFakeAws();
    seedAwsWorld(fake);
    const env = {
      AWS_ENDPOINT_URL_EC2: fake.url,
      AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: fake.url,
      AWS_ENDPOINT_URL_AMPLIFY: fake.url,
      AWS_ACCESS_KEY_ID: 'AKIDFAKE',
      AWS_SECRET_ACCESS_KEY: 'fake-secret-throttling',
      AWS_REGION: 'eu-west-1',
    };
    const t = await createTestAgent({
      env,
      plugins: [
        {
          plugin: createAwsPlugin({
            clients: {
              credentials: { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake-secret-throttling' },
              endpoints: { ec2: fake.url, logs: fake.url, amplify: fake.url },
              defaultRegion: 'eu-west-1',
            },
          }),
          config: { regions: ['eu-west-1'], maxAttempts: 2, amplify: { enabled: false } },
        },
      ],
      script: [
        callTool('aws_ec2_list_instances', { region: 'eu-west-1' }),
        (request) => {
          const last = JSON.stringify(request.messages.at(-1));
          return reply(last.includes('Request limit exceeded') ? 'AWS is throttling us' : 'odd');
        },
        callTool('aws_ec2_list_instances', { region: 'eu-west-1' }),
        (request) => {
          const last = JSON.stringify(request.messages.at(-1));
          return reply(last.includes('i-0bad2222') ? 'two instances, api-1 impaired' : 'odd');
        },
      ],
      monitor: { openAfter: 1, resolveAfter: 1, triage: false },
    });
    try {
      // The monitor opens the impaired-instance incident.
      await t.agent.monitor.runOnce();
      const open = await t.agent.store.listIncidents({ status: ['open'] });
      expect(open.length).toBeGreaterThan(0);
      // Throttled beyond the retries (2 attempts): the check fails; nothing is resolved.
      fake.fail('DescribeInstanceStatus', 2);
      await t.agent.monitor.runOnce().catch(() => undefined);
      const during = await t.agent.store.listIncidents({ status: ['open'] });
      for (const incident of open) expect(during.map((i) => i.id)).toContain(incident.id);
      // The failed check is itself reported as an incident naming the throttling.
      const failed = during.filter((i) => i.key.startsWith('monitor:check-failed:'));
      expect(failed).toHaveLength(1);
      expect(failed[0]!.evidence).toContain('Request limit exceeded');

      fake.fail('DescribeInstances', 2);
      expect(await t.ask('which instances run?', { chat: 'a' })).toEqual(['AWS is throttling us']);
      const toolResult = JSON.stringify(t.model!.requests[1]!.messages.at(-1));
      expect(toolResult).toContain('"isError":true');
      expect(toolResult).not.toContain('fake-secret-throttling');
      // The next question (another chat) gets a real answer.
      expect(await t.ask('and now?', { chat: 'b' })).toEqual(['two instances, api-1 impaired']);
    } finally {
      await t.stop();
      await fake.close();
    }
  });
});
