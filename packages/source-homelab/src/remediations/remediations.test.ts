import { describe, expect, it } from 'vitest';
import { Fleet } from '../fleet/fleet.js';
import type { HostTarget } from '../fleet/target.js';
import { resolveThresholds } from '../local/thresholds.js';
import { createFleetRemediations } from './remediations.js';

const target = { name: 'nas', kind: 'ssh' } as HostTarget;
const fleet = new Fleet({
  members: [{ target, thresholds: resolveThresholds(), units: ['caddy'], contextFiles: [] }],
});

describe('restart_container.appliesTo', () => {
  const [restart] = createFleetRemediations({ fleet, containers: ['web', 'backup'] });
  const finding = (problem: string, severity: 'warning' | 'critical', container = 'web') => ({
    key: `homelab:nas:container:${container}:${problem}`,
    severity,
    resource: `container:nas/${container}`,
    title: 't',
    evidence: 'e',
    data: { host: 'nas', container, problem },
  });
  it('proposes a restart for unhealthy, looping and crashed containers on known hosts, within the allowlist', () => {
    expect(restart?.appliesTo?.(finding('unhealthy', 'critical'))).toEqual({
      host: 'nas',
      container: 'web',
    });
    expect(restart?.appliesTo?.(finding('restart-loop', 'critical'))).toEqual({
      host: 'nas',
      container: 'web',
    });
    expect(restart?.appliesTo?.(finding('stopped', 'critical', 'backup'))).toEqual({
      host: 'nas',
      container: 'backup',
    });
    expect(restart?.appliesTo?.(finding('stopped', 'warning', 'backup'))).toBeUndefined();
    expect(restart?.appliesTo?.(finding('unhealthy', 'critical', 'db'))).toBeUndefined();
    expect(
      restart?.appliesTo?.({
        ...finding('unhealthy', 'critical'),
        data: { host: 'pi', container: 'web', problem: 'unhealthy' },
      }),
    ).toBeUndefined();
    expect(restart?.input.safeParse({ host: 'nas', container: 'db' }).success).toBe(false);
    expect(restart?.describe({ host: 'nas', container: 'web' })).toBe(
      'restart container web on nas',
    );
  });
});
