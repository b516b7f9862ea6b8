import { defineRemediation, type Source } from '@opsagent/core';
import {
  appMention,
  blockActions,
  callTool,
  interactiveForm,
  postSignedToSlackApp,
  reply,
  slashCommandForm,
} from '@opsagent/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SECRET, type SlackHarness, startSlackAgent } from './__fixtures__/harness.js';
import { APPROVE_ACTION, REJECT_ACTION } from './render.js';

const harnesses: SlackHarness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.stop();
});

function rebootLab() {
  const runs: string[] = [];
  const reboot = defineRemediation({
    name: 'reboot_instance',
    description: 'reboots an EC2 instance',
    input: z.object({ instanceId: z.string() }),
    risk: 'medium',
    describe: (input) => `reboot ${input.instanceId}`,
    async execute(input) {
      runs.push(input.instanceId);
      return { ok: true, detail: `rebooted ${input.instanceId}` };
    },
  });
  return { runs, plugin: { name: 'lab', setup: () => ({ remediations: [reboot] }) } };
}

async function proposeReboot() {
  const lab = rebootLab();
  const h = await startSlackAgent({
    agent: { plugins: [lab.plugin] },
    script: [
      callTool('propose_remediation', {
        remediation: 'reboot_instance',
        input: { instanceId: 'i-0abc' },
        reason: 'status checks failing',
      }),
      reply('I asked for approval to reboot i-0abc.'),
    ],
  });
  harnesses.push(h);
  await postSignedToSlackApp(
    h.url,
    appMention({ text: 'web is down', ts: '1700000100.000001', user: 'U_ALICE' }),
    { signingSecret: SECRET },
  );
  await h.agent.idle();
  const [approval] = await h.agent.approvals.pending();
  if (!approval) throw new Error('no approval proposed');
  const message = h.slack
    .thread('C_OPS', '1700000100.000001')
    .find((m) => JSON.stringify(m.blocks ?? []).includes(APPROVE_ACTION));
  if (!message) throw new Error('no approval message with buttons');
  return { h, lab, approval, message };
}

function click(
  h: SlackHarness,
  options: { user: string; actionId: string; value: string; messageTs: string },
) {
  const payload = blockActions({
    ...options,
    threadTs: '1700000100.000001',
    responseUrl: `${h.slack.responseUrlBase}/click`,
  });
  return postSignedToSlackApp(h.url, interactiveForm(payload), { signingSecret: SECRET });
}

describe('Block Kit approvals', () => {
  it('posts the approval request with buttons in the thread', async () => {
    const { message, approval } = await proposeReboot();
    expect(message.thread_ts).toBe('1700000100.000001');
    const json = JSON.stringify(message.blocks);
    expect(json).toContain(REJECT_ACTION);
    expect(json).toContain(approval.id);
    expect(json).toContain('reboot i-0abc');
  });

  it('a viewer who clicks Approve is told why privately; nothing runs and the buttons stay', async () => {
    const { h, lab, approval, message } = await proposeReboot();
    const response = await click(h, {
      user: 'U_VICTOR',
      actionId: APPROVE_ACTION,
      value: approval.id,
      messageTs: message.ts,
    });
    expect(response.status).toBe(200);
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'chat.postEphemeral'));
    await h.agent.idle();
    expect(lab.runs).toEqual([]);
    expect((await h.agent.store.getApproval(approval.id))?.status).toBe('pending');
    const ephemeral = h.slack.callsTo('chat.postEphemeral')[0]!;
    expect(ephemeral.args).toMatchObject({ user: 'U_VICTOR', channel: 'C_OPS' });
    expect(String(ephemeral.args.text)).toContain('operator');
    expect(h.slack.message('C_OPS', message.ts)!.updates).toBe(0);
    expect(JSON.stringify(h.slack.message('C_OPS', message.ts)!.blocks)).toContain(APPROVE_ACTION);
  });

  it('an operator who clicks Approve runs it once; the message shows who decided and the outcome', async () => {
    const { h, lab, approval, message } = await proposeReboot();
    await click(h, {
      user: 'U_OLGA',
      actionId: APPROVE_ACTION,
      value: approval.id,
      messageTs: message.ts,
    });
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'chat.update'));
    await h.agent.idle();
    expect(lab.runs).toEqual(['i-0abc']);
    const approved = await h.agent.store.getApproval(approval.id);
    expect(approved).toMatchObject({ status: 'succeeded', decidedBy: { id: 'olga' } });
    const updated = h.slack.message('C_OPS', message.ts)!;
    const json = JSON.stringify(updated.blocks);
    expect(json).not.toContain(APPROVE_ACTION);
    expect(json).toContain('<@U_OLGA>');
    expect(json).toContain('done');
    // The outcome of the run is reported in the thread.
    const texts = h.slack.thread('C_OPS', '1700000100.000001').map((m) => m.text);
    expect(texts.some((t) => t.includes('Done: reboot i-0abc'))).toBe(true);

    // A second click (someone else, later) changes nothing and is told so.
    await click(h, {
      user: 'U_ALICE',
      actionId: REJECT_ACTION,
      value: approval.id,
      messageTs: message.ts,
    });
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'chat.postEphemeral'));
    await h.agent.idle();
    expect(lab.runs).toEqual(['i-0abc']);
    expect(String(h.slack.callsTo('chat.postEphemeral')[0]!.args.text)).toContain(
      'already decided',
    );
  });

  it('an operator who clicks Reject rejects it; nothing runs', async () => {
    const { h, lab, approval, message } = await proposeReboot();
    await click(h, {
      user: 'U_OLGA',
      actionId: REJECT_ACTION,
      value: approval.id,
      messageTs: message.ts,
    });
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'chat.update'));
    await h.agent.idle();
    expect(lab.runs).toEqual([]);
    expect((await h.agent.store.getApproval(approval.id))?.status).toBe('rejected');
    expect(JSON.stringify(h.slack.message('C_OPS', message.ts)!.blocks)).toContain(
      'Rejected by <@U_OLGA>',
    );
  });

  it('a click signed with the wrong secret is refused with 401 and decides nothing', async () => {
    const { h, approval, message } = await proposeReboot();
    const payload = blockActions({
      user: 'U_OLGA',
      actionId: APPROVE_ACTION,
      value: approval.id,
      messageTs: message.ts,
      responseUrl: `${h.slack.responseUrlBase}/x`,
    });
    const response = await postSignedToSlackApp(h.url, interactiveForm(payload), {
      signingSecret: 'wrong',
    });
    expect(response.status).toBe(401);
    expect((await h.agent.store.getApproval(approval.id))?.status).toBe('pending');
  });
});

const webSource: Source = {
  name: 'aws',
  async status() {
    return {
      health: 'warn',
      sections: [
        {
          title: 'i-0abc (web-1)',
          health: 'warn',
          fields: [
            { label: 'State', value: 'running', health: 'ok' },
            { label: 'Status checks', value: '1/2 passed', health: 'warn' },
          ],
        },
      ],
    };
  },
};

describe('commands', () => {
  it('answers "status" in a thread with Block Kit sections and health marks, no model call', async () => {
    const h = await startSlackAgent({
      agent: { plugins: [{ name: 'aws', setup: () => ({ sources: [webSource] }) }] },
    });
    harnesses.push(h);
    await postSignedToSlackApp(h.url, appMention({ text: 'status', ts: '1700000200.000001' }), {
      signingSecret: SECRET,
    });
    await h.agent.idle();
    const [message] = h.slack.thread('C_OPS', '1700000200.000001');
    expect(h.model.requests).toHaveLength(0);
    const json = JSON.stringify(message!.blocks);
    expect(json).toContain(':large_yellow_circle: *i-0abc (web-1)*');
    expect(json).toContain('*Status checks*\\n:large_yellow_circle: 1/2 passed');
    expect(message!.text).toContain('i-0abc (web-1) (WARN)');
  });

  it('answers /opsagent status through the response_url, privately', async () => {
    const h = await startSlackAgent({
      agent: { plugins: [{ name: 'aws', setup: () => ({ sources: [webSource] }) }] },
    });
    harnesses.push(h);
    const response = await postSignedToSlackApp(
      h.url,
      slashCommandForm({ text: 'status', responseUrl: `${h.slack.responseUrlBase}/cmd1` }),
      { signingSecret: SECRET },
    );
    expect(response.status).toBe(200);
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'response_url'));
    const [respond] = h.slack.callsTo('response_url');
    expect(respond!.args.response_type).toBe('ephemeral');
    expect(JSON.stringify(respond!.args.blocks)).toContain('i-0abc (web-1)');
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(0);
  });

  it('answers /opsagent with something else with its usage, and runs nothing', async () => {
    const h = await startSlackAgent({ script: [reply('never')] });
    harnesses.push(h);
    const response = await postSignedToSlackApp(
      h.url,
      slashCommandForm({ text: 'reboot everything', responseUrl: `${h.slack.responseUrlBase}/c` }),
      { signingSecret: SECRET },
    );
    expect(response.status).toBe(200);
    expect(response.body).toContain('Usage');
    await h.agent.idle();
    expect(h.model.requests).toHaveLength(0);
  });

  it('refuses /opsagent to a user outside the allowlist', async () => {
    const h = await startSlackAgent({ channel: { allow: { users: ['U_ALICE'] } } });
    harnesses.push(h);
    const response = await postSignedToSlackApp(
      h.url,
      slashCommandForm({
        text: 'status',
        user: 'U_MALLORY',
        responseUrl: `${h.slack.responseUrlBase}/c`,
      }),
      { signingSecret: SECRET },
    );
    expect(response.status).toBe(200);
    expect(response.body).toContain('Sorry');
    await h.agent.idle();
    expect(h.slack.callsTo('response_url')).toHaveLength(0);
  });
});
