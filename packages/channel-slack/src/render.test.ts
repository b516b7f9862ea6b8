import { describe, expect, it } from 'vitest';
import { markdownToMrkdwn, splitMrkdwn } from './mrkdwn.js';
import { APPROVE_ACTION, REJECT_ACTION, renderForSlack } from './render.js';

describe('markdown to Slack mrkdwn', () => {
  it('converts emphasis, links, headings and lists', () => {
    expect(markdownToMrkdwn('**bold** and *italic* and ~~gone~~')).toBe(
      '*bold* and _italic_ and ~gone~',
    );
    expect(markdownToMrkdwn('see [the docs](https://example.com/a?b=1)')).toBe(
      'see <https://example.com/a?b=1|the docs>',
    );
    expect(markdownToMrkdwn('## Findings\n- one\n  - nested\n* two')).toBe(
      '*Findings*\n• one\n    • nested\n• two',
    );
  });

  it('escapes &, < and > but leaves code content intact', () => {
    expect(markdownToMrkdwn('a < b & c > d')).toBe('a &lt; b &amp; c &gt; d');
    expect(markdownToMrkdwn('run `ls **/*.log`')).toBe('run `ls **/*.log`');
    expect(markdownToMrkdwn('```bash\necho **x** <y>\n```')).toBe('```\necho **x** &lt;y&gt;\n```');
  });

  it('does not turn snake_case names into italics', () => {
    expect(markdownToMrkdwn('called describe_instances and filter_log_events')).toBe(
      'called describe_instances and filter_log_events',
    );
  });
});

describe('splitting long answers', () => {
  it('keeps short text whole', () => {
    expect(splitMrkdwn('short', 100)).toEqual(['short']);
  });

  it('splits at paragraph breaks within the limit', () => {
    const text = Array.from({ length: 10 }, (_, i) => `para ${i} ${'x'.repeat(40)}`).join('\n\n');
    const pieces = splitMrkdwn(text, 120);
    expect(pieces.length).toBeGreaterThan(1);
    for (const piece of pieces) expect(piece.length).toBeLessThanOrEqual(120);
    expect(pieces.join('\n\n').replace(/\s+/g, ' ')).toBe(text.replace(/\s+/g, ' '));
  });

  it('closes and reopens a code block that is cut in two', () => {
    const code = `\`\`\`\n${Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n')}\n\`\`\``;
    const pieces = splitMrkdwn(code, 80);
    expect(pieces.length).toBeGreaterThan(1);
    for (const piece of pieces) {
      expect((piece.match(/```/g) ?? []).length % 2).toBe(0);
      expect(piece.length).toBeLessThanOrEqual(80);
    }
  });
});

describe('Block Kit rendering', () => {
  it('renders status sections with fields and health marks', () => {
    const [payload] = renderForSlack({
      blocks: [
        { type: 'text', text: 'Needs attention.' },
        {
          type: 'section',
          section: {
            title: 'web-1',
            health: 'warn',
            fields: [
              { label: 'CPU', value: '91%', health: 'critical' },
              { label: 'Memory', value: '40%', health: 'ok' },
            ],
          },
        },
      ],
    });
    expect(payload!.text).toContain('web-1 (WARN)');
    const json = JSON.stringify(payload!.blocks);
    expect(json).toContain(':large_yellow_circle: *web-1*');
    expect(payload!.blocks![2]).toMatchObject({
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: '*CPU*\n:red_circle: 91%' },
        { type: 'mrkdwn', text: '*Memory*\n:large_green_circle: 40%' },
      ],
    });
  });

  it('renders an approval with Approve and Reject buttons carrying the id', () => {
    const [payload] = renderForSlack({
      blocks: [
        {
          type: 'approval',
          approval: {
            id: 'ab12cd',
            remediation: 'reboot_instance',
            action: 'reboot i-0abc',
            risk: 'high',
            reason: 'unreachable',
            requestedBy: 'assistant',
            expiresAt: new Date(Date.now() + 3_600_000),
          },
        },
      ],
    });
    const actions = payload!.blocks!.find((b) => b.type === 'actions') as {
      elements: Array<{ action_id: string; value: string; confirm?: unknown }>;
    };
    expect(actions.elements.map((e) => [e.action_id, e.value])).toEqual([
      [APPROVE_ACTION, 'ab12cd'],
      [REJECT_ACTION, 'ab12cd'],
    ]);
    expect(actions.elements[0]!.confirm).toBeDefined();
    expect(payload!.text).toContain('reboot i-0abc');
  });

  it('splits a status with more than 50 blocks into several messages', () => {
    const payloads = renderForSlack({
      blocks: Array.from({ length: 40 }, (_, i) => ({
        type: 'section' as const,
        section: { title: `host-${i}`, fields: [{ label: 'CPU', value: '1%' }] },
      })),
    });
    expect(payloads.length).toBe(2);
    for (const p of payloads) expect(p.blocks!.length).toBeLessThanOrEqual(50);
  });
});
