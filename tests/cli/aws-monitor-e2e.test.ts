import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import {
  type FakeAnthropicServer,
  type FakeAws,
  startFakeAnthropicServer,
  startFakeAws,
} from '@opsagent/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { seedAwsWorld } from '../fixtures/aws-world.js';
import { cliEnv, eventually, type RunningCli, startCli, waitForApi } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'opsagent-aws-e2e-'));
const TOKEN = 'aws-e2e-token-5d8a1c3e9b7f2046';
const running: RunningCli[] = [];
afterAll(async () => {
  for (const run of running) await run.stop('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const CONFIG = `preset: aws-monitor
store:
  type: sqlite
monitor:
  interval: 1s
  openAfter: 1
  triage: true
  diagnose: critical
principals:
  - id: local
    roles: [admin]
    identities:
      console: ["*"]
  - id: oncall
    name: On-call operator
    roles: [operator]
    identities: {}
api:
  listen: 127.0.0.1:0
  tokens:
    - token: \${OPSAGENT_API_TOKEN}
      principal: oncall
notifications:
  routes:
    - channel: console
      to: { chat: console }
      minSeverity: warning
    - channel: email
      to: { chat: default }
      minSeverity: warning
plugins:
  aws:
    regions: [eu-west-1]
    logs:
      groups: [{ name: /ecs/api }]
    verify: { initialDelay: 0, poll: 100, timeout: 20000 }
  aws-email:
    from: "opsagent <ops@example.com>"
    to: [oncall@example.com]
`;

async function call(url: string, path: string, method = 'GET') {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

interface Approval {
  id: string;
  remediation: string;
  action: string;
  status: string;
}

describe('aws-monitor end to end', () => {
  it('failed build, impaired instance and error burst -> incidents -> triage -> e-mail -> proposals -> approval over the API -> run once -> verified -> audited', async () => {
    const aws: FakeAws = await startFakeAws();
    const model: FakeAnthropicServer = await startFakeAnthropicServer(
      Array.from({ length: 30 }, () => (request) => {
        const body = JSON.stringify(request.body);
        const tools = (request.body as { tools?: unknown[] }).tools ?? [];
        if (tools.length > 0 && !body.includes('tool_result')) {
          // Diagnosis (critical incidents): the model looks at the instance with a read-only tool.
          return {
            toolUses: [
              {
                name: 'aws_ec2_instance_status',
                input: { instanceIds: ['i-0bad2222'], region: 'eu-west-1' },
              },
            ],
          };
        }
        if (tools.length > 0) {
          const sawStatus = body.includes('system=impaired');
          return {
            text: `DIAGNOSIS: the host under i-0bad2222 failed its system check${sawStatus ? ' (confirmed: system=impaired)' : ''}; reboot or stop/start to move it.`,
          };
        }
        const what = body.includes('i-0bad2222')
          ? 'host hardware'
          : body.includes('job 42')
            ? 'the bundler upgrade'
            : 'the database';
        return { text: `TRIAGE: most likely ${what}; check it first.` };
      }),
    );
    try {
      seedAwsWorld(aws);
      const rebooted: string[] = [];
      aws.world.onInstanceAction = (action, instance) => {
        if (action !== 'reboot') return;
        rebooted.push(instance.id);
        instance.systemStatus = 'ok';
      };
      aws.world.onJobStarted = (_app, _branch, job) => {
        setTimeout(() => {
          job.status = 'SUCCEED';
          job.endTime = new Date();
        }, 300);
      };
      const cwd = mkdtempSync(join(dir, 'run-'));
      writeFileSync(join(cwd, 'opsagent.yaml'), CONFIG);
      const run = startCli(['run'], {
        cwd,
        env: cliEnv(cwd, {
          OPSAGENT_API_TOKEN: TOKEN,
          ANTHROPIC_API_KEY: 'sk-ant-test-key-aws',
          ANTHROPIC_BASE_URL: model.url,
          AWS_ENDPOINT_URL_EC2: aws.url,
          AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: aws.url,
          AWS_ENDPOINT_URL_AMPLIFY: aws.url,
          AWS_ENDPOINT_URL_SESV2: aws.url,
          AWS_ACCESS_KEY_ID: 'AKIDFAKE',
          AWS_SECRET_ACCESS_KEY: 'fake-secret-key',
          AWS_REGION: 'eu-west-1',
        }),
      });
      running.push(run);
      const url = await waitForApi(run);

      // Proposals for the instance and the build, from the monitor.
      const approvals = await eventually('two pending approvals', async () => {
        const list = (await call(url, '/v1/approvals')).json.approvals as Approval[];
        return list.length >= 2 ? list : undefined;
      });
      expect(approvals.map((a) => a.action).sort()).toEqual([
        'reboot EC2 instance i-0bad2222 in eu-west-1 (account default)',
        'retry Amplify job 42 of d1shop/main in eu-west-1',
      ]);

      // Incidents, each triaged by the (scripted) model.
      const incidents = await eventually('four triaged incidents', async () => {
        const list = (await call(url, '/v1/incidents?status=open')).json.incidents as Array<{
          title: string;
          analysis?: string;
          source: string;
        }>;
        return list.length >= 4 && list.every((i) => i.analysis) ? list : undefined;
      });
      const titles = incidents.map((i) => i.title);
      expect(titles).toContain('EC2 i-0bad2222 (api-1) system status check impaired');
      expect(titles).toContain('Amplify shop/main job 42 failed');
      expect(titles.some((t) => t.includes('Connection refused to <*>'))).toBe(true);
      expect(titles.some((t) => t.includes('Payment <*> declined: card expired'))).toBe(true);
      // The critical one was diagnosed with the read-only tools; the others got the short triage.
      expect(incidents.find((i) => i.source === 'aws-ec2')?.analysis).toBe(
        'DIAGNOSIS: the host under i-0bad2222 failed its system check (confirmed: system=impaired); reboot or stop/start to move it.',
      );
      expect(incidents.find((i) => i.source === 'aws-amplify')?.analysis).toContain(
        'TRIAGE: most likely the bundler upgrade',
      );

      // Notifications by e-mail (SES), with the triage and the approval request.
      const mail = await eventually('an e-mail about the instance', async () =>
        aws.world.emails.find((e) => e.subject.includes('i-0bad2222')),
      );
      expect(mail.to).toEqual(['oncall@example.com']);
      expect(mail.text).toContain('DIAGNOSIS: the host under i-0bad2222');
      expect(mail.html).toContain('reboot EC2 instance i-0bad2222');
      expect(run.stdout()).toContain('i-0bad2222');

      // Approve through the management API: each runs once and is verified.
      for (const approval of approvals) {
        const approved = await call(url, `/v1/approvals/${approval.id}/approve`, 'POST');
        expect(approved.status).toBe(200);
        expect(approved.json.outcome).toBe('succeeded');
        expect((approved.json.approval as { result: { detail: string } }).result.detail).toContain(
          'verification: passed',
        );
        const again = await call(url, `/v1/approvals/${approval.id}/approve`, 'POST');
        expect(again.status).toBe(409);
      }
      expect(rebooted).toEqual(['i-0bad2222']);
      expect(aws.count('RebootInstances')).toBe(1);
      expect(aws.count('StartJob')).toBe(1);
      expect(aws.world.apps[0]?.branches[0]?.jobs.at(-1)).toMatchObject({
        jobId: '43',
        jobType: 'RETRY',
        status: 'SUCCEED',
      });

      // The instance and the build resolve on the next checks.
      await eventually('EC2 and Amplify incidents resolved', async () => {
        const list = (await call(url, '/v1/incidents?status=open')).json.incidents as Array<{
          source: string;
        }>;
        return list.some((i) => i.source === 'aws-ec2' || i.source === 'aws-amplify')
          ? undefined
          : true;
      });

      await run.stop();
      expect(run.stderr()).not.toContain('fake-secret-key');
      expect(run.stderr()).not.toContain(TOKEN);

      // The audit log has the proposals, the decisions by the operator and the executions.
      const db = new DatabaseSync(join(cwd, 'data', 'opsagent.db'), { readOnly: true });
      const audit = db
        .prepare('SELECT type, actor, subject, detail FROM audit ORDER BY seq')
        .all() as Array<{ type: string; actor: string; subject: string; detail: string }>;
      db.close();
      expect(audit).toContainEqual(
        expect.objectContaining({
          type: 'tool_call',
          actor: 'monitor',
          subject: 'aws_ec2_instance_status',
        }),
      );
      for (const approval of approvals) {
        const rows = audit.filter((r) => r.subject === approval.id);
        expect(rows.map((r) => r.type)).toEqual(['proposal', 'decision', 'execution', 'execution']);
        expect(rows[1]?.actor).toBe('oncall');
        expect(rows[3]?.detail).toContain('succeeded');
      }
    } finally {
      await aws.close();
      await model.close();
    }
  }, 90_000);
});
