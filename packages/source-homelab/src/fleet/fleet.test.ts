import { createManualClock } from '@opsagent/core';
import { describe, expect, it } from 'vitest';
import { resolveThresholds } from '../local/thresholds.js';
import { Fleet } from './fleet.js';
import type { HostReading, HostTarget } from './target.js';

function target(
  name: string,
  read: (signal?: AbortSignal) => Promise<HostReading>,
): HostTarget & { reads: number } {
  const t = {
    name,
    kind: 'ssh' as const,
    sudo: false,
    reads: 0,
    read(signal?: AbortSignal) {
      t.reads += 1;
      return read(signal);
    },
    topProcesses: async () => ({ total: 0, processes: [] }),
    containerLogs: async () => '',
    inspectContainer: async () => {
      throw new Error('none');
    },
    restartContainer: async () => {},
    run: async () => ({ stdout: '', stderr: '', code: 0 }),
    dispose() {},
  };
  return t;
}

const reading = { docker: { kind: 'absent' } } as unknown as HostReading;

describe('Fleet', () => {
  it('reads hosts concurrently; a host that never answers becomes unreachable at its timeout, the others are unaffected', async () => {
    const clock = createManualClock(new Date('2026-11-21T08:00:00Z'));
    let aliveInFlight = 0;
    let maxInFlight = 0;
    const alive = (name: string) =>
      target(name, async () => {
        aliveInFlight += 1;
        maxInFlight = Math.max(maxInFlight, aliveInFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        aliveInFlight -= 1;
        return reading;
      });
    const dead = target(
      'attic',
      (signal) =>
        new Promise((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason))),
    );
    const members = [alive('a'), alive('b'), alive('c'), dead].map((t) => ({
      target: t,
      thresholds: resolveThresholds(),
      units: [],
      contextFiles: [],
    }));
    const fleet = new Fleet({
      members,
      hostTimeoutMs: 100,
      cacheTtlMs: 5000,
      retryUnreachableMs: 30_000,
      clock,
    });
    const states = await fleet.readAll();
    expect(states.map((s) => [s.name, s.ok])).toEqual([
      ['a', true],
      ['b', true],
      ['c', true],
      ['attic', false],
    ]);
    expect(maxInFlight).toBe(3);
    expect(states[3]).toMatchObject({
      code: 'TIMEOUT',
      error: expect.stringContaining('reading attic timed out after 100 ms'),
    });

    // Past the TTL, live hosts answer from their last reading at once while a fresh one is taken
    // in the background; the dead host is reported from cache until the retry interval.
    clock.advance(10_000);
    const stale = await fleet.readAll();
    expect(stale.map((s) => s.at.getTime())).toEqual(states.map((s) => s.at.getTime()));
    expect(members.map((m) => (m.target as ReturnType<typeof target>).reads)).toEqual([2, 2, 2, 1]);
    clock.advance(25_000);
    await fleet.readAll();
    expect((dead as ReturnType<typeof target>).reads).toBe(2);
    // Checks and tools read fresh.
    await fleet.read('attic', true);
    expect(dead.reads).toBe(3);
  });

  it('waits for a fresh reading when stale answers are off (maxAgeMs 0)', async () => {
    const clock = createManualClock();
    let n = 0;
    const host = target('nas', async () => {
      n += 1;
      return { ...reading, n } as unknown as HostReading;
    });
    const fleet = new Fleet({
      members: [{ target: host, thresholds: resolveThresholds(), units: [], contextFiles: [] }],
      cacheTtlMs: 1000,
      maxAgeMs: 0,
      clock,
    });
    await fleet.read('nas');
    clock.advance(2000);
    const state = await fleet.read('nas');
    expect(state.ok && (state.reading as unknown as { n: number }).n).toBe(2);
  });

  it('shares one reading between concurrent callers and names unknown hosts', async () => {
    const slow = target(
      'nas',
      () => new Promise((resolve) => setTimeout(() => resolve(reading), 10)),
    );
    const fleet = new Fleet({
      members: [{ target: slow, thresholds: resolveThresholds(), units: [], contextFiles: [] }],
    });
    await Promise.all([fleet.read('nas'), fleet.read('nas'), fleet.read('NAS')]);
    expect(slow.reads).toBe(1);
    expect(fleet.member().target.name).toBe('nas');
    expect(() => fleet.member('pi')).toThrow('no host named "pi"; hosts: nas');
  });
});
