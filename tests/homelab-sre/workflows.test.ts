import { afterEach, describe, expect, it } from 'vitest';
import { type HomelabSre, OWNER, PARTNER, STRANGER, startHomelabSre } from './harness.js';

const running: HomelabSre[] = [];
afterEach(async () => {
  for (const sre of running.splice(0)) await sre.stop();
});

async function sre(options: Parameters<typeof startHomelabSre>[0] = {}) {
  const started = await startHomelabSre(options);
  running.push(started);
  return started;
}

describe('homelab-sre workflows over Signal', () => {
  it('1. status: every host at once, with no model call', async () => {
    const t = await sre();
    t.signal.message({ from: OWNER, text: 'status' });
    const [reply] = await t.signal.waitForSent(1);
    await t.settle();
    for (const label of ['CPU', 'Memory', 'Disk']) expect(reply?.body.message).toContain(label);
    expect(reply?.body.recipients).toEqual([OWNER]);
    expect(t.model.requests).toEqual([]);
    expect(t.signal.typing).toEqual([]);
  });

  it('alerts the owner over Signal when the monitor opens an incident, and nobody else', async () => {
    const t = await sre({
      yaml: [
        'preset: homelab-sre',
        'monitor: { openAfter: 2, triage: false }',
        'plugins:',
        '  local-host:',
        '    cacheTtl: 0',
        '    thresholds: { disk: { warn: 0, critical: 0 } }',
      ].join('\n'),
    });
    await t.agent.monitor.runOnce();
    expect(t.signal.sent).toEqual([]);
    await t.agent.monitor.runOnce();
    await t.settle();
    const alerts = t.sentTo(OWNER);
    expect(alerts.length).toBeGreaterThanOrEqual(1);
    expect(alerts[0]).toMatch(/critical/i);
    expect(t.sentTo(PARTNER)).toEqual([]);
  });

  it('gives a stranger nothing and lets an operator ask', async () => {
    const t = await sre();
    t.signal.message({ from: STRANGER, text: 'status' });
    t.signal.message({ from: PARTNER, text: 'status' });
    await t.signal.waitForSent(1);
    await t.settle();
    expect(t.signal.sent.map((s) => s.body.recipients[0])).toEqual([PARTNER]);
  });
});
