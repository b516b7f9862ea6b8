import { backoffDelay } from '@opsagent/core';
import { describe, expect, it } from 'vitest';
import { escapeStyled, markdownToSignal, renderMessage, splitText } from './render.js';

describe('styled text', () => {
  it('keeps bold, italic, monospace and strike as Signal styles', () => {
    expect(markdownToSignal('**web** is *down*; run `docker ps` ~~now~~', 'styled')).toBe(
      '**web** is *down*; run `docker ps` ~now~',
    );
  });

  it('neutralises marker characters that are not styles, so they show as typed', () => {
    const out = markdownToSignal('load * 2 | grep ~user `x', 'styled');
    expect(out).not.toMatch(/[*|~`]/);
    expect(out).toBe(escapeStyled('load * 2 | grep ~user `x'));
  });

  it('turns headings bold, bullets into dots, code blocks into monospace lines and links into text', () => {
    const md =
      '## Hosts\n\n* sagan: ok\n- hubble: *warn*\n\n```\ndocker ps | head\n```\n[docs](https://example.org/a)';
    expect(markdownToSignal(md, 'styled')).toBe(
      '**Hosts**\n\n• sagan: ok\n• hubble: *warn*\n\n`docker ps ǀ head`\ndocs (https://example.org/a)',
    );
  });

  it('strips markers in normal mode', () => {
    expect(markdownToSignal('# Title\n**bold** and `code`', 'normal')).toBe('Title\nbold and code');
  });

  it('renders sections with health marks and plans as their own message', () => {
    const parts = renderMessage(
      {
        kind: 'alert',
        blocks: [
          { type: 'text', text: '🔴 critical: web unhealthy' },
          {
            type: 'section',
            section: {
              title: 'sagan',
              health: 'warn',
              fields: [{ label: 'Disk /', value: '91%', health: 'warn' }],
            },
          },
          {
            type: 'approval',
            approval: {
              id: 'ab12',
              remediation: 'restart_container',
              action: 'docker restart web on sagan',
              risk: 'medium',
              reason: 'web is unhealthy',
              requestedBy: 'monitor',
              expiresAt: new Date('2030-01-01T01:00:00Z'),
            },
          },
        ],
      },
      'styled',
      new Date('2030-01-01T00:00:00Z'),
    );
    expect(parts).toHaveLength(2);
    expect(parts[0]?.text).toBe('🔴 critical: web unhealthy\n\n⚠️ **sagan**\n⚠️ Disk /: 91%');
    expect(parts[1]?.approvalId).toBe('ab12');
    expect(parts[1]?.text).toContain('Will run: docker restart web on sagan');
    expect(parts[1]?.text).toContain('Risk: 🟠 medium');
    expect(parts[1]?.text).toContain('expires in 60 min');
    expect(parts[1]?.text).toContain('"approve ab12"');
  });
});

describe('splitting', () => {
  it('leaves short text alone', () => {
    expect(splitText('hello', 10)).toEqual(['hello']);
  });

  it('splits at paragraphs, then lines, then spaces, never above the limit', () => {
    const text = `${'a'.repeat(8)}\n\n${'b'.repeat(8)}\n${'c'.repeat(8)} ${'d'.repeat(8)}\n\n${'e'.repeat(25)}`;
    const chunks = splitText(text, 10);
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(10);
    expect(chunks.slice(0, 4)).toEqual(['aaaaaaaa', 'bbbbbbbb', 'cccccccc', 'dddddddd']);
    expect(chunks.slice(4).join('')).toBe('e'.repeat(25));
  });

  it('packs paragraphs together up to the limit', () => {
    expect(splitText('aa\n\nbb\n\ncc', 6)).toEqual(['aa\n\nbb', 'cc']);
  });
});

describe('backoff', () => {
  it('grows exponentially up to the ceiling, with jitter between half and all of it', () => {
    const options = { initialDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(0, options, () => 0)).toBe(50);
    expect(backoffDelay(0, options, () => 1)).toBe(100);
    expect(backoffDelay(3, options, () => 1)).toBe(800);
    expect(backoffDelay(10, options, () => 1)).toBe(1000);
    expect(backoffDelay(10, options, () => 0)).toBe(500);
  });
});
