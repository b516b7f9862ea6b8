import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { Logger } from '../contracts/logger.js';
import type { OutboundMessage } from '../contracts/message.js';
import { defineRemediation, type Remediation } from '../contracts/remediation.js';
import type { Finding, Severity, Source, SourceContext } from '../contracts/source.js';
import type { ApprovalRecord, IncidentRecord } from '../contracts/store.js';
import { isOpsAgentError } from '../errors.js';
import { SecretRedactor } from '../logging/redact.js';
import type { MonitorOptions, NotificationRoute } from '../runtime/options.js';
import { renderPlainText } from '../runtime/render.js';
import { MemoryStore } from '../store/memory-store.js';
import { createManualClock } from '../util/clock.js';
import { checkFailedKey, createMonitor, type MonitorDeps } from './monitor.js';

// ---- helpers ----

interface LogLine {
  level: string;
  fields: Record<string, unknown>;
  message: string | undefined;
}

function recordingLogger(lines: LogLine[] = [], bindings: Record<string, unknown> = {}): Logger {
  const at =
    (level: string) =>
    (fieldsOrMessage: Record<string, unknown> | string, message?: string): void => {
      if (typeof fieldsOrMessage === 'string') {
        lines.push({ level, fields: { ...bindings }, message: fieldsOrMessage });
      } else lines.push({ level, fields: { ...bindings, ...fieldsOrMessage }, message });
    };
  return {
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => recordingLogger(lines, { ...bindings, ...more }),
  };
}

const finding = (over: Partial<Finding> = {}): Finding => ({
  key: 'disk:/',
  severity: 'warning',
  resource: 'host:sagan',
  title: 'Disk / at 93%',
  evidence: '93% of 100 GiB used',
  ...over,
});

/** A source whose next answer the test sets: findings, or an error to throw. */
function fakeSource(name: string, extra: Partial<Source> = {}) {
  let next: Finding[] | Error = [];
  const calls: SourceContext[] = [];
  const source: Source = {
    name,
    async check(ctx) {
      calls.push(ctx);
      if (next instanceof Error) throw next;
      return next;
    },
    ...extra,
  };
  return {
    source,
    calls,
    report(...findings: Finding[]) {
      next = findings;
    },
    fail(message: string) {
      next = new Error(message);
    },
  };
}

interface Sent {
  route: NotificationRoute;
  message: OutboundMessage;
  text: string;
}

const route = (channel: string, minSeverity: Severity = 'warning'): NotificationRoute => ({
  channel,
  address: { chat: `#${channel}` },
  minSeverity,
});

const OPTIONS: MonitorOptions = {
  enabled: true,
  intervalMs: 60_000,
  timeoutMs: 5_000,
  openAfter: 2,
  resolveAfter: 2,
};

function setup(
  over: Partial<Omit<MonitorDeps, 'options'>> & { options?: Partial<MonitorOptions> } = {},
) {
  const clock = createManualClock();
  const store = new MemoryStore({ clock });
  const sent: Sent[] = [];
  const logs: LogLine[] = [];
  const proposals: Parameters<MonitorDeps['propose']>[0][] = [];
  const source = fakeSource('local');
  const deps: MonitorDeps = {
    sources: [source.source],
    store,
    routes: [route('ops')],
    notify: async (r, message) => {
      sent.push({ route: r, message, text: renderPlainText(message, clock.now()) });
    },
    remediations: [],
    propose: async (request) => {
      proposals.push(request);
      const now = clock.now();
      const approval: ApprovalRecord = {
        id: `ap${proposals.length}`,
        remediation: request.remediation.name,
        input: request.input,
        action: request.remediation.describe(request.input),
        reason: request.reason,
        risk: request.remediation.risk,
        requestedBy: { kind: 'monitor', id: 'monitor', name: 'monitor' },
        incidentId: request.incident.id,
        status: 'pending',
        createdAt: now,
        expiresAt: new Date(now.getTime() + 3_600_000),
        updatedAt: now,
      };
      await store.createApproval(approval);
      return approval;
    },
    logger: recordingLogger(logs),
    clock,
    ...over,
    options: { ...OPTIONS, ...over.options },
  };
  const monitor = createMonitor(deps);
  const incident = async (key = 'disk:/'): Promise<IncidentRecord | undefined> =>
    (await store.listIncidents()).find((i) => i.key === key);
  const incidentEvents = async () =>
    (await store.listAudit())
      .filter((a) => a.type === 'incident')
      .map((a) => `${a.detail.event} ${a.detail.key}`);
  return { monitor, store, clock, sent, logs, proposals, source, incident, incidentEvents };
}

const restartWeb = defineRemediation({
  name: 'restart_container',
  description: 'Restarts a container',
  input: z.object({ container: z.string() }),
  risk: 'low',
  describe: (input) => `restart container ${input.container}`,
  appliesTo: (f) => (f.key.startsWith('container:') ? { container: f.resource } : undefined),
  execute: async () => ({ ok: true, detail: 'restarted' }),
});

afterEach(() => {
  vi.useRealTimers();
});

// ---- incident lifecycle ----

describe('incident lifecycle', () => {
  it('opens an incident only after openAfter consecutive observations', async () => {
    const t = setup();
    t.source.report(finding());

    const first = await t.monitor.runOnce();
    expect(first.sources[0]).toMatchObject({ source: 'local', ok: true, findings: 1, opened: [] });
    expect((await t.incident())?.status).toBe('pending');
    expect(t.sent).toHaveLength(0);

    const second = await t.monitor.runOnce();
    const open = await t.incident();
    expect(open).toMatchObject({ status: 'open', observations: 2, notifiedSeverity: 'warning' });
    expect(second.sources[0]?.opened).toEqual([open?.id]);
    expect(t.sent).toHaveLength(1);
    expect(t.sent[0]?.message.kind).toBe('alert');
    expect(t.sent[0]?.message.blocks[0]).toEqual({
      type: 'text',
      text: '🟠 warning: Disk / at 93% (local)',
    });
    expect(t.sent[0]?.text).toContain('host:sagan');
    expect(t.sent[0]?.text).toContain('93% of 100 GiB used');
    expect(await t.incidentEvents()).toEqual(['opened disk:/']);
  });

  it('never notifies a finding seen once and then gone (flap damping)', async () => {
    const t = setup();
    t.source.report(finding());
    await t.monitor.runOnce();
    const pending = await t.incident();
    t.source.report();
    const report = await t.monitor.runOnce();

    expect(report.sources[0]?.resolved).toEqual([pending?.id]);
    expect((await t.incident())?.status).toBe('resolved');
    expect(t.sent).toHaveLength(0);
    expect(await t.incidentEvents()).toEqual([]);

    // Seen again later, it starts over as a new pending incident.
    t.source.report(finding());
    await t.monitor.runOnce();
    const again = await t.store.findActiveIncident('disk:/');
    expect(again).toMatchObject({ status: 'pending', observations: 1 });
    expect(again?.id).not.toBe(pending?.id);
  });

  it('opens at once when openAfter is 1', async () => {
    const t = setup({ options: { openAfter: 1 } });
    t.source.report(finding());
    const report = await t.monitor.runOnce();
    expect(report.sources[0]?.opened).toHaveLength(1);
    expect(t.sent).toHaveLength(1);
  });

  it('does not notify repeats but keeps the incident up to date', async () => {
    const t = setup();
    t.source.report(finding());
    await t.monitor.runOnce();
    await t.monitor.runOnce();
    t.clock.advance(60_000);
    t.source.report(finding({ title: 'Disk / at 94%', evidence: '94% of 100 GiB used' }));
    const report = await t.monitor.runOnce();
    await t.monitor.runOnce();

    expect(t.sent).toHaveLength(1);
    const open = await t.incident();
    expect(report.sources[0]?.updated).toEqual([open?.id]);
    expect(open).toMatchObject({
      status: 'open',
      observations: 4,
      title: 'Disk / at 94%',
      evidence: '94% of 100 GiB used',
      lastSeenAt: t.clock.now(),
    });
    expect(await t.incidentEvents()).toEqual(['opened disk:/']);
  });

  it('notifies an escalation once, and not again when severity drops and comes back', async () => {
    const t = setup();
    t.source.report(finding());
    await t.monitor.runOnce();
    await t.monitor.runOnce();
    t.source.report(finding({ severity: 'critical', title: 'Disk / at 97%' }));
    await t.monitor.runOnce();
    await t.monitor.runOnce();

    expect(t.sent.map((s) => s.message.blocks[0])).toEqual([
      { type: 'text', text: '🟠 warning: Disk / at 93% (local)' },
      { type: 'text', text: '🔴 critical (was warning): Disk / at 97% (local)' },
    ]);
    expect(await t.incident()).toMatchObject({
      severity: 'critical',
      notifiedSeverity: 'critical',
    });

    t.source.report(finding({ severity: 'warning' }));
    await t.monitor.runOnce();
    t.source.report(finding({ severity: 'critical' }));
    await t.monitor.runOnce();
    expect(t.sent).toHaveLength(2);
    expect(await t.incidentEvents()).toEqual(['opened disk:/', 'escalated disk:/']);
  });

  it('resolves after resolveAfter clean checks and notifies the resolve', async () => {
    const t = setup();
    t.source.report(finding());
    await t.monitor.runOnce();
    await t.monitor.runOnce();
    const id = (await t.incident())?.id;

    t.source.report();
    const firstClean = await t.monitor.runOnce();
    expect(firstClean.sources[0]?.resolved).toEqual([]);
    expect(await t.incident()).toMatchObject({ status: 'open', cleanChecks: 1 });

    // Reported again: the clean count starts over.
    t.source.report(finding());
    await t.monitor.runOnce();
    expect(await t.incident()).toMatchObject({ status: 'open', cleanChecks: 0 });

    t.source.report();
    await t.monitor.runOnce();
    t.clock.advance(1_000);
    const resolving = await t.monitor.runOnce();
    expect(resolving.sources[0]?.resolved).toEqual([id]);
    expect(await t.incident()).toMatchObject({
      status: 'resolved',
      cleanChecks: 2,
      resolvedAt: t.clock.now(),
    });
    expect(t.sent).toHaveLength(2);
    expect(t.sent[1]?.message.blocks[0]).toEqual({
      type: 'text',
      text: '✅ resolved: Disk / at 93% (local)',
    });
    expect(await t.incidentEvents()).toEqual(['opened disk:/', 'resolved disk:/']);

    await t.monitor.runOnce();
    expect(t.sent).toHaveLength(2);
  });

  it('keeps incidents of different sources apart when one source is clean', async () => {
    const local = fakeSource('local');
    const other = fakeSource('docker');
    const t = setup({ sources: [local.source, other.source] });
    local.report(finding());
    other.report(finding({ key: 'container:web', resource: 'web', title: 'web down' }));
    await t.monitor.runOnce();
    await t.monitor.runOnce();
    local.report();
    await t.monitor.runOnce('local');
    await t.monitor.runOnce('local');

    expect((await t.incident('disk:/'))?.status).toBe('resolved');
    expect((await t.incident('container:web'))?.status).toBe('open');
  });
});

// ---- failed checks ----

describe('failed checks', () => {
  it('changes no incident when a check fails, and opens check-failed after repeated failures', async () => {
    const t = setup();
    t.source.report(finding());
    await t.monitor.runOnce();
    await t.monitor.runOnce();
    const before = await t.incident();

    t.source.fail('connection refused');
    const failed = await t.monitor.runOnce();
    expect(failed.sources[0]).toMatchObject({
      ok: false,
      error: 'connection refused',
      findings: 0,
    });
    expect(await t.incident()).toEqual(before);
    expect((await t.incident(checkFailedKey('local')))?.status).toBe('pending');
    expect(t.sent).toHaveLength(1);

    await t.monitor.runOnce();
    expect(await t.incident()).toEqual(before);
    const checkFailed = await t.incident(checkFailedKey('local'));
    expect(checkFailed).toMatchObject({
      key: 'monitor:check-failed:local',
      status: 'open',
      severity: 'warning',
      resource: 'source:local',
      source: 'local',
      evidence: 'connection refused',
    });
    expect(t.sent).toHaveLength(2);
    expect(t.sent[1]?.text).toContain('connection refused');

    // Two good checks resolve it; the disk finding is still there, so that incident stays open.
    t.source.report(finding());
    await t.monitor.runOnce();
    await t.monitor.runOnce();
    expect((await t.incident(checkFailedKey('local')))?.status).toBe('resolved');
    expect((await t.incident())?.status).toBe('open');
    expect(t.sent[2]?.message.blocks[0]).toEqual({
      type: 'text',
      text: '✅ resolved: Check of local failing (local)',
    });
  });

  it('times out a hanging check without holding up another source', async () => {
    const fast = fakeSource('fast');
    fast.report(finding({ key: 'fast:x' }));
    const hanging: Source = { name: 'hanging', timeoutMs: 20, check: () => new Promise(() => {}) };
    const t = setup({ sources: [hanging, fast.source] });
    const done: string[] = [];
    const [slowReport, fastReport] = await Promise.all([
      t.monitor.runOnce('hanging').then((r) => {
        done.push('hanging');
        return r.sources[0];
      }),
      t.monitor.runOnce('fast').then((r) => {
        done.push('fast');
        return r.sources[0];
      }),
    ]);
    expect(done).toEqual(['fast', 'hanging']);
    expect(fastReport).toMatchObject({ ok: true, findings: 1 });
    expect(slowReport).toMatchObject({ ok: false });
    expect(slowReport?.error).toMatch(/check of hanging timed out after 20 ms/);
    expect((await t.incident(checkFailedKey('hanging')))?.status).toBe('pending');
  });

  it('does not call a check again while the last one still hangs past its timeout', async () => {
    let calls = 0;
    const hanging: Source = {
      name: 'stuck',
      timeoutMs: 10,
      check: () => {
        calls += 1;
        return new Promise(() => {});
      },
    };
    const t = setup({ sources: [hanging] });
    await t.monitor.runOnce();
    const second = await t.monitor.runOnce();
    expect(calls).toBe(1);
    expect(second.sources[0]?.error).toMatch(/still running/);
    expect((await t.incident(checkFailedKey('stuck')))?.status).toBe('open');
  });

  it('never runs two checks of one source at once', async () => {
    let active = 0;
    let most = 0;
    const source: Source = {
      name: 'slow',
      async check() {
        active += 1;
        most = Math.max(most, active);
        await new Promise((resolve) => setTimeout(resolve, 5));
        active -= 1;
        return [];
      },
    };
    const t = setup({ sources: [source] });
    const reports = await Promise.all([t.monitor.runOnce(), t.monitor.runOnce('slow')]);
    expect(most).toBe(1);
    expect(reports.map((r) => r.sources[0]?.ok)).toEqual([true, true]);
  });

  it('treats a check that returns something other than a list as failed', async () => {
    const source = { name: 'odd', check: async () => 'all good' } as unknown as Source;
    const t = setup({ sources: [source] });
    const report = await t.monitor.runOnce();
    expect(report.sources[0]).toMatchObject({ ok: false });
    expect(report.sources[0]?.error).toMatch(/not a list of findings/);
  });

  it('rejects runOnce of an unknown source with SOURCE_UNKNOWN', async () => {
    const t = setup();
    const error = await t.monitor.runOnce('nope').catch((e: unknown) => e);
    expect(isOpsAgentError(error, 'SOURCE_UNKNOWN')).toBe(true);
  });
});

// ---- notifications ----

describe('notifications', () => {
  it('routes events by severity, and resolves to the routes that were told', async () => {
    const t = setup({
      routes: [route('all', 'info'), route('ops', 'warning'), route('pager', 'critical')],
    });
    t.source.report(finding());
    await t.monitor.runOnce();
    await t.monitor.runOnce();
    expect(t.sent.map((s) => s.route.channel)).toEqual(['all', 'ops']);

    t.source.report(finding({ severity: 'critical' }));
    await t.monitor.runOnce();
    expect(t.sent.slice(2).map((s) => s.route.channel)).toEqual(['all', 'ops', 'pager']);

    t.source.report();
    await t.monitor.runOnce();
    await t.monitor.runOnce();
    expect(t.sent.slice(5).map((s) => s.route.channel)).toEqual(['all', 'ops', 'pager']);
    expect(t.sent[5]?.text).toContain('✅ resolved');
  });

  it('sends an info incident, and its resolve, only to routes that take info', async () => {
    const t = setup({ routes: [route('all', 'info'), route('ops', 'warning')] });
    t.source.report(finding({ severity: 'info' }));
    await t.monitor.runOnce();
    await t.monitor.runOnce();
    t.source.report();
    await t.monitor.runOnce();
    await t.monitor.runOnce();
    expect(t.sent.map((s) => s.route.channel)).toEqual(['all', 'all']);
  });

  it('logs a failed notification and carries on with the other routes and the cycle', async () => {
    const delivered: string[] = [];
    const failing = setup({
      routes: [route('broken'), route('ops')],
      notify: async (r) => {
        if (r.channel === 'broken') throw new Error('channel down');
        delivered.push(r.channel);
      },
    });
    failing.source.report(finding());
    await failing.monitor.runOnce();
    const report = await failing.monitor.runOnce();

    expect(report.sources[0]?.ok).toBe(true);
    expect(report.sources[0]?.opened).toHaveLength(1);
    expect(delivered).toEqual(['ops']);
    expect(
      failing.logs.some((l) => l.level === 'error' && l.message === 'notification failed'),
    ).toBe(true);

    failing.source.report();
    await failing.monitor.runOnce();
    const resolved = await failing.monitor.runOnce();
    expect(resolved.sources[0]?.resolved).toHaveLength(1);
    expect(delivered).toEqual(['ops', 'ops']);
  });
});

// ---- analysis and remediations ----

describe('analysis and remediations', () => {
  const container = finding({
    key: 'container:web',
    resource: 'web',
    title: 'Container web unhealthy',
    evidence: 'health check failed 3 times',
  });

  it('proposes a remediation once per incident, not again on later observations', async () => {
    const t = setup({ remediations: [restartWeb as Remediation] });
    t.source.report(container);
    await t.monitor.runOnce();
    expect(t.proposals).toHaveLength(0);
    await t.monitor.runOnce();

    expect(t.proposals).toHaveLength(1);
    const incident = await t.incident('container:web');
    expect(t.proposals[0]).toMatchObject({
      input: { container: 'web' },
      incident: { id: incident?.id },
    });
    expect(t.proposals[0]?.reason).toContain('Container web unhealthy');
    const approvalBlock = t.sent[0]?.message.blocks.find((b) => b.type === 'approval');
    expect(approvalBlock).toMatchObject({
      approval: { id: 'ap1', remediation: 'restart_container', action: 'restart container web' },
    });

    await t.monitor.runOnce();
    await t.monitor.runOnce();
    // An escalation while the approval is still pending does not propose it again.
    t.source.report({ ...container, severity: 'critical' });
    await t.monitor.runOnce();
    expect(t.proposals).toHaveLength(1);
    expect(t.sent).toHaveLength(2);
    expect(t.sent[1]?.message.blocks.some((b) => b.type === 'approval')).toBe(false);
  });

  it('proposes again on escalation once the earlier approval was rejected', async () => {
    const t = setup({ remediations: [restartWeb as Remediation] });
    t.source.report(container);
    await t.monitor.runOnce();
    await t.monitor.runOnce();
    await t.store.transitionApproval('ap1', ['pending'], { status: 'rejected' });
    t.source.report({ ...container, severity: 'critical' });
    await t.monitor.runOnce();
    expect(t.proposals).toHaveLength(2);
  });

  it('skips a remediation whose appliesTo gives an invalid input', async () => {
    const broken = defineRemediation({
      ...restartWeb,
      name: 'broken',
      appliesTo: () => ({ container: 42 }) as unknown as { container: string },
    });
    const t = setup({ remediations: [broken as Remediation, restartWeb as Remediation] });
    t.source.report(container);
    await t.monitor.runOnce();
    await t.monitor.runOnce();

    expect(t.proposals.map((p) => p.remediation.name)).toEqual(['restart_container']);
    expect(
      t.logs.some(
        (l) =>
          l.level === 'warn' &&
          l.fields.remediation === 'broken' &&
          String(l.message).includes('invalid input'),
      ),
    ).toBe(true);
  });

  it('shows a proposal decided at once by policy as an outcome, not as a request', async () => {
    const auto = setup({
      remediations: [restartWeb as Remediation],
      propose: async (request) => ({
        id: 'ap9',
        remediation: request.remediation.name,
        input: request.input,
        action: 'restart container web',
        reason: request.reason,
        risk: 'low',
        requestedBy: { kind: 'monitor', id: 'monitor', name: 'monitor' },
        incidentId: request.incident.id,
        status: 'succeeded',
        decidedBy: { kind: 'policy', id: 'auto', name: 'policy rule auto' },
        result: { ok: true, detail: 'restarted' },
        createdAt: new Date(),
        expiresAt: new Date(),
        updatedAt: new Date(),
      }),
    });
    auto.source.report(container);
    await auto.monitor.runOnce();
    await auto.monitor.runOnce();
    expect(auto.sent[0]?.message.blocks.some((b) => b.type === 'approval')).toBe(false);
    expect(auto.sent[0]?.text).toContain(
      'Remediation restart_container [ap9] restart container web: succeeded by policy rule auto: restarted',
    );
  });

  it('stores the analysis on the incident and includes it in the alert', async () => {
    const analyze = vi.fn(async (incident: IncidentRecord) => `Logs filled ${incident.resource}`);
    const t = setup({ analyze });
    t.source.report(finding());
    await t.monitor.runOnce();
    expect(analyze).not.toHaveBeenCalled();
    await t.monitor.runOnce();
    await t.monitor.runOnce();

    expect(analyze).toHaveBeenCalledTimes(1);
    expect(analyze.mock.calls[0]?.[0]).toMatchObject({ status: 'open', key: 'disk:/' });
    expect((await t.incident())?.analysis).toBe('Logs filled host:sagan');
    expect(t.sent[0]?.message.blocks).toContainEqual({
      type: 'text',
      text: '**Analysis**\n\nLogs filled host:sagan',
    });
  });

  it('alerts without analysis when analyze fails', async () => {
    const t = setup({
      analyze: async () => {
        throw new Error('model unavailable');
      },
    });
    t.source.report(finding());
    await t.monitor.runOnce();
    const report = await t.monitor.runOnce();
    expect(report.sources[0]?.opened).toHaveLength(1);
    expect(t.sent).toHaveLength(1);
    expect((await t.incident())?.analysis).toBeUndefined();
    expect(t.logs.some((l) => l.message === 'incident analysis failed')).toBe(true);
  });
});

// ---- scheduling ----

describe('scheduling', () => {
  it('checks each source on its own interval until stopped', async () => {
    vi.useFakeTimers();
    const fast = fakeSource('fast', { checkIntervalMs: 1_000 });
    const slow = fakeSource('slow');
    const t = setup({ sources: [fast.source, slow.source, { name: 'status-only' }] });

    t.monitor.start();
    t.monitor.start();
    await vi.advanceTimersByTimeAsync(0);
    expect([fast.calls.length, slow.calls.length]).toEqual([1, 1]);
    await vi.advanceTimersByTimeAsync(3_000);
    expect([fast.calls.length, slow.calls.length]).toEqual([4, 1]);
    await vi.advanceTimersByTimeAsync(57_000);
    expect([fast.calls.length, slow.calls.length]).toEqual([61, 2]);

    await t.monitor.stop();
    await vi.advanceTimersByTimeAsync(120_000);
    expect([fast.calls.length, slow.calls.length]).toEqual([61, 2]);
  });

  it('keeps checking other sources while one hangs until its timeout', async () => {
    vi.useFakeTimers();
    const fast = fakeSource('fast', { checkIntervalMs: 1_000 });
    const hanging: Source = { name: 'hanging', check: () => new Promise(() => {}) };
    const t = setup({ sources: [hanging, fast.source] });

    t.monitor.start();
    await vi.advanceTimersByTimeAsync(4_500);
    expect(fast.calls.length).toBe(5);
    expect(await t.incident(checkFailedKey('hanging'))).toBeUndefined();

    await vi.advanceTimersByTimeAsync(500);
    expect((await t.incident(checkFailedKey('hanging')))?.status).toBe('pending');
    await t.monitor.stop();
  });

  it('aborts running checks on stop and waits for them to settle', async () => {
    vi.useFakeTimers();
    const events: string[] = [];
    const source: Source = {
      name: 'careful',
      check: ({ signal }) =>
        new Promise((_, reject) => {
          signal.addEventListener('abort', () => {
            events.push('aborted');
            setTimeout(() => {
              events.push('cleaned up');
              reject(signal.reason);
            }, 50);
          });
        }),
    };
    const t = setup({ sources: [source] });
    t.monitor.start();
    await vi.advanceTimersByTimeAsync(0);

    const stopping = t.monitor.stop().then(() => events.push('stopped'));
    await vi.advanceTimersByTimeAsync(49);
    expect(events).toEqual(['aborted']);
    await vi.advanceTimersByTimeAsync(1);
    await stopping;
    expect(events).toEqual(['aborted', 'cleaned up', 'stopped']);
    // A check aborted by stop says nothing about the source.
    expect(await t.store.listIncidents()).toEqual([]);
  });

  it('stops within its bound when a check ignores the abort', async () => {
    vi.useFakeTimers();
    const source: Source = { name: 'deaf', check: () => new Promise(() => {}) };
    const t = setup({ sources: [source], stopTimeoutMs: 1_000, options: { timeoutMs: 60_000 } });
    t.monitor.start();
    await vi.advanceTimersByTimeAsync(0);

    let stopped = false;
    const stopping = t.monitor.stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(999);
    expect(stopped).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await stopping;
    expect(stopped).toBe(true);
    expect(t.logs.some((l) => l.message === 'monitor stopped with checks still running')).toBe(
      true,
    );
  });

  it('can be started again after a stop', async () => {
    vi.useFakeTimers();
    const t = setup();
    t.monitor.start();
    await vi.advanceTimersByTimeAsync(0);
    await t.monitor.stop();
    t.monitor.start();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(t.source.calls.length).toBe(3);
    await t.monitor.stop();
  });
});

// ---- secrets in findings ----

describe('secrets in findings', () => {
  const TOKEN = 'canary-token-0123456789';
  const redactor = new SecretRedactor();
  redactor.add(TOKEN);
  const leaky = (over: Partial<Finding> = {}) =>
    finding({
      key: `container:web:${TOKEN}`,
      resource: `container:web-${TOKEN}`,
      title: `web logs show ${TOKEN}`,
      evidence: `Authorization: Bearer ${TOKEN}`,
      data: { container: 'web', env: [`HA_TOKEN=${TOKEN}`], nested: { token: TOKEN } },
      ...over,
    });

  it('stores, audits, analyses and announces findings with every known secret redacted', async () => {
    const analysed: Finding[] = [];
    const t = setup({
      redactor,
      analyze: async (_incident, f) => {
        analysed.push(f);
        return `likely cause: the token ${TOKEN} expired`;
      },
    });
    t.source.report(leaky());
    await t.monitor.runOnce();
    await t.monitor.runOnce();

    const [stored, ...others] = await t.store.listIncidents();
    expect(others).toEqual([]);
    expect(stored).toMatchObject({
      key: 'container:web:[redacted]',
      status: 'open',
      resource: 'container:web-[redacted]',
      title: 'web logs show [redacted]',
      evidence: 'Authorization: Bearer [redacted]',
      data: { container: 'web', env: ['HA_TOKEN=[redacted]'], nested: { token: '[redacted]' } },
      analysis: 'likely cause: the token [redacted] expired',
    });
    const everything = JSON.stringify({
      incidents: await t.store.listIncidents(),
      audit: await t.store.listAudit(),
      analysed,
      sent: t.sent.map((s) => s.message),
    });
    expect(everything).not.toContain(TOKEN);
    expect(analysed).toHaveLength(1);
    expect(t.sent).toHaveLength(1);
  });

  it('asks appliesTo with the finding as the source gave it, and proposes with a redacted reason', async () => {
    const t = setup({ redactor, remediations: [restartWeb], options: { openAfter: 1 } });
    t.source.report(leaky());
    await t.monitor.runOnce();
    // A remediation acts on real names; the approval service redacts what it stores and shows.
    expect(t.proposals.map((p) => p.input)).toEqual([{ container: `container:web-${TOKEN}` }]);
    expect(t.proposals.map((p) => p.reason).join()).not.toContain(TOKEN);
    expect(JSON.stringify(t.proposals.map((p) => p.incident))).not.toContain(TOKEN);
  });

  it('keeps a key with a secret stable: one incident across checks, resolved when it goes away', async () => {
    const t = setup({ redactor });
    t.source.report(leaky());
    await t.monitor.runOnce();
    await t.monitor.runOnce();
    await t.monitor.runOnce();
    const incidents = await t.store.listIncidents();
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ key: 'container:web:[redacted]', observations: 3 });
    expect(t.sent.map((s) => s.message)).toHaveLength(1);

    t.source.report();
    await t.monitor.runOnce();
    await t.monitor.runOnce();
    expect((await t.store.listIncidents()).map((i) => [i.id, i.status])).toEqual([
      [incidents[0]!.id, 'resolved'],
    ]);
    expect(await t.incidentEvents()).toEqual([
      'opened container:web:[redacted]',
      'resolved container:web:[redacted]',
    ]);
  });

  it('counts two keys that differ only in a secret as one incident, the worse finding winning', async () => {
    const other = 'canary-token-9876543210';
    const two = new SecretRedactor();
    two.add(TOKEN, other);
    const t = setup({ redactor: two, options: { openAfter: 1 } });
    t.source.report(
      leaky({ severity: 'warning' }),
      leaky({ key: `container:web:${other}`, severity: 'critical', title: `second ${other}` }),
    );
    const report = await t.monitor.runOnce();
    expect(report.sources[0]).toMatchObject({ findings: 1, opened: [expect.any(String)] });
    const incidents = await t.store.listIncidents();
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ severity: 'critical', title: 'second [redacted]' });
  });

  it('redacts a failing check whose error echoes a secret', async () => {
    const t = setup({ redactor, options: { openAfter: 1 } });
    t.source.fail(`401 from https://ha.lan/api?token=${TOKEN}`);
    await t.monitor.runOnce();
    const incident = await t.incident(checkFailedKey('local'));
    expect(incident?.evidence).toBe('401 from https://ha.lan/api?token=[redacted]');
    expect(JSON.stringify(t.sent.map((s) => s.message))).not.toContain(TOKEN);
  });

  it('stores findings as they are when no redactor is given', async () => {
    const t = setup({ options: { openAfter: 1 } });
    t.source.report(leaky());
    await t.monitor.runOnce();
    expect((await t.store.listIncidents())[0]?.key).toBe(`container:web:${TOKEN}`);
  });
});
