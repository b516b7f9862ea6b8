import { SESv2Client } from '@aws-sdk/client-sesv2';
import { type OutboundMessage, textMessage } from '@opsagent/core';
import { type FakeAws, startFakeAws } from '@opsagent/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSesEmailChannel, renderEmail } from './email.js';

const alert: OutboundMessage = {
  kind: 'alert',
  blocks: [
    { type: 'text', text: '🔴 critical: EC2 i-0a <web> impaired (aws-ec2)' },
    {
      type: 'section',
      section: {
        title: 'Incident',
        health: 'critical',
        fields: [{ label: 'Resource', value: 'ec2:i-0a', health: 'critical' }],
      },
    },
    {
      type: 'approval',
      approval: {
        id: 'ab12',
        remediation: 'reboot_instance',
        action: 'reboot EC2 instance i-0a in eu-west-1',
        risk: 'medium',
        reason: 'impaired',
        requestedBy: 'monitor',
        expiresAt: new Date('2026-11-21T13:00:00Z'),
      },
    },
  ],
};

let fake: FakeAws;
beforeEach(async () => {
  fake = await startFakeAws();
});
afterEach(async () => {
  await fake.close();
});

describe('SES e-mail channel', () => {
  it('renders a subject, a text body and an escaped HTML body', () => {
    const { subject, text, html } = renderEmail(alert);
    expect(subject).toBe('[opsagent] 🔴 critical: EC2 i-0a <web> impaired (aws-ec2)');
    expect(text).toContain(
      'Approval needed [ab12] (medium risk): reboot EC2 instance i-0a in eu-west-1',
    );
    expect(text).toContain('approve ab12');
    expect(html).toContain('&lt;web&gt;');
    expect(html).not.toContain('<web>');
    expect(html).toContain('<table>');
  });

  it('sends through SES v2 to the default recipients or the route address, and refuses none', async () => {
    const client = new SESv2Client({
      region: 'eu-west-1',
      endpoint: fake.url,
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    const channel = createSesEmailChannel({
      client,
      from: 'ops@example.com',
      to: ['oncall@example.com'],
    });
    const sent = await channel.send({ chat: 'default' }, alert);
    expect(sent.id).toBe('fake-1');
    await channel.send({ chat: 'a@example.com, b@example.com' }, textMessage('hello'));
    expect(fake.world.emails.map((e) => e.to)).toEqual([
      ['oncall@example.com'],
      ['a@example.com', 'b@example.com'],
    ]);
    expect(fake.world.emails[0]?.html).toContain('reboot EC2 instance i-0a');
    expect(fake.world.emails[0]?.text).toContain('Resource: ec2:i-0a');
    await expect(channel.send({ chat: ' , ' }, textMessage('x'))).rejects.toMatchObject({
      code: 'EMAIL_NO_RECIPIENT',
    });
    fake.fail('SendEmail', 1, {
      code: 'MessageRejected',
      status: 400,
      message: 'Email address is not verified.',
    });
    await expect(channel.send({ chat: 'default' }, textMessage('x'))).rejects.toMatchObject({
      name: 'MessageRejected',
    });
  });
});
