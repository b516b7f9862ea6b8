import { describe, expect, it } from 'vitest';
import { groupByPrefix, type PrefixEntry } from './group.js';
import type { LogTemplate } from './miner.js';

function template(text: string, count: number): LogTemplate {
  return {
    id: text,
    template: text,
    count,
    firstSeen: 0,
    lastSeen: 0,
    severity: 'info',
    examples: [],
  };
}

/** The tree as indented text: a group as `text/` (lines), a template as its remaining words. */
function outline(entries: readonly PrefixEntry[], indent = ''): string[] {
  return entries.flatMap((e) =>
    e.kind === 'template'
      ? [
          `${indent}${e.template.template.split(' ').slice(e.start).join(' ')} (${e.template.count})`,
        ]
      : [`${indent}${e.text}/ (${e.count})`, ...outline(e.entries, `${indent}  `)],
  );
}

describe('groupByPrefix', () => {
  it('groups templates where they branch, nested, most lines first', () => {
    const tree = groupByPrefix([
      template('ARPT: <*>: wl0: MDNS: IPV6 Addr: <*>', 28),
      template('ARPT: <*>: wl0: MDNS: IPV4 Addr: <*>', 4),
      template('ARPT: <*>: wl0: MDNS: <*> SRV Recs, <*> TXT Recs', 9),
      template('ARPT: <*>: wl0: setup_keepalive: Local IP: <*>', 4),
      template('ARPT: <*>: wl0: setup_keepalive: Remote IP: <*>', 8),
      template('ARPT: <*>: wlc_dump_aggfifo:', 6),
      template('Thermal pressure state: <*>', 39),
    ]);
    expect(outline(tree)).toEqual([
      'ARPT: <*>:/ (59)',
      '  wl0: MDNS:/ (41)',
      '    IPV6 Addr: <*> (28)',
      '    <*> SRV Recs, <*> TXT Recs (9)',
      '    IPV4 Addr: <*> (4)',
      '  wl0: setup_keepalive:/ (12)',
      '    Remote IP: <*> (8)',
      '    Local IP: <*> (4)',
      '  wlc_dump_aggfifo: (6)',
      'Thermal pressure state: <*> (39)',
    ]);
    const group = tree[0] as Extract<PrefixEntry, { kind: 'group' }>;
    expect(group).toMatchObject({ start: 0, end: 2, text: 'ARPT: <*>:' });
    expect(group.entries[0]).toMatchObject({ start: 2, end: 4, text: 'wl0: MDNS:' });
  });

  it('nests at most maxDepth groups and groups nothing with 0', () => {
    const templates = [
      template('ARPT: <*>: wl0: MDNS: IPV6 Addr: <*>', 28),
      template('ARPT: <*>: wl0: MDNS: IPV4 Addr: <*>', 4),
      template('ARPT: <*>: wl0: MDNS: <*> SRV Recs', 3),
      template('ARPT: <*>: wlc_dump_aggfifo:', 6),
    ];
    expect(outline(groupByPrefix(templates, { maxDepth: 1 }))).toEqual([
      'ARPT: <*>:/ (41)',
      '  wl0: MDNS: IPV6 Addr: <*> (28)',
      '  wlc_dump_aggfifo: (6)',
      '  wl0: MDNS: IPV4 Addr: <*> (4)',
      '  wl0: MDNS: <*> SRV Recs (3)',
    ]);
    expect(outline(groupByPrefix(templates, { maxDepth: 0 }))).toEqual([
      'ARPT: <*>: wl0: MDNS: IPV6 Addr: <*> (28)',
      'ARPT: <*>: wlc_dump_aggfifo: (6)',
      'ARPT: <*>: wl0: MDNS: IPV4 Addr: <*> (4)',
      'ARPT: <*>: wl0: MDNS: <*> SRV Recs (3)',
    ]);
  });

  it('does not group under a prefix of variables only, an open quote or bracket, or a template', () => {
    const flat = (texts: string[]) =>
      outline(groupByPrefix(texts.map((t, i) => template(t, 10 - i))));
    // A host name is no family: the group moves to where words are shared.
    expect(
      flat([
        '<*> <*> sandboxd[<*>]: deny network-outbound <*>',
        '<*> <*> kernel[<*>]: AppleCamIn::systemWakeCall',
        '<*> <*> sandboxd[<*>]: deny mach-lookup com.apple.networkd',
      ]),
    ).toEqual([
      '<*> <*> sandboxd[<*>]: deny/ (18)',
      '  network-outbound <*> (10)',
      '  mach-lookup com.apple.networkd (8)',
      '<*> <*> kernel[<*>]: AppleCamIn::systemWakeCall (9)',
    ]);
    // `"The` opens a quote: the group ends before it.
    expect(
      flat([
        'PBRequester failed with Error Code=<*> "The request timed out."',
        'PBRequester failed with Error Code=<*> "The Internet connection appears to be offline."',
      ]),
    ).toEqual([
      'PBRequester failed with Error Code=<*>/ (19)',
      '  "The request timed out." (10)',
      '  "The Internet connection appears to be offline." (9)',
    ]);
    // A template that ends where the others go on would have an empty line under the group.
    expect(
      flat(['CCFile::captureLog Received Capture notice id: <*>', 'CCFile::captureLog']),
    ).toEqual([
      'CCFile::captureLog Received Capture notice id: <*> (10)',
      'CCFile::captureLog (9)',
    ]);
  });

  it('groups only when the shared words save more than the group line costs', () => {
    expect(
      outline(
        groupByPrefix([template('Session <*> created', 2), template('Session <*> destroyed', 1)]),
      ),
    ).toEqual(['Session <*> created (2)', 'Session <*> destroyed (1)']);
    const three = ['opened', 'closed', 'reset'].map((w, i) => template(`Session <*> ${w}`, 3 - i));
    expect(outline(groupByPrefix(three))).toEqual([
      'Session <*>/ (6)',
      '  opened (3)',
      '  closed (2)',
      '  reset (1)',
    ]);
  });
});
