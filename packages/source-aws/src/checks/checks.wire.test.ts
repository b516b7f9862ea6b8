import { type FakeAws, startFakeAws } from '@opsagent/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeAccounts, sourceContext, testClock, testConfig } from '../__fixtures__/support.js';
import { createAmplifySource, createEc2Source, createLogsSource } from '../source.js';

let fake: FakeAws;
beforeEach(async () => {
  fake = await startFakeAws();
});
afterEach(async () => {
  await fake.close();
});

describe('AWS checks through the real SDK against the wire fakes', () => {
  it('EC2: finds impaired checks, scheduled events and stopped instances that should run, across regions and pages, despite throttling', async () => {
    for (const region of ['eu-west-1', 'us-east-1']) {
      for (let n = 0; n < 1200; n++) {
        fake.world.instances.push({
          id: `i-${region.slice(0, 2)}${n.toString(16).padStart(6, '0')}`,
          region,
          state: 'running',
        });
      }
    }
    fake.world.instances.push(
      {
        id: 'i-0bad',
        region: 'eu-west-1',
        state: 'running',
        systemStatus: 'impaired',
        tags: { Name: 'web-1' },
      },
      { id: 'i-0c1c', region: 'us-east-1', state: 'running', instanceStatus: 'impaired' },
      {
        id: 'i-0a1',
        region: 'us-east-1',
        state: 'running',
        events: [
          {
            code: 'system-reboot',
            description: 'scheduled reboot',
            notBefore: new Date('2026-12-01T00:00:00Z'),
          },
        ],
      },
      {
        id: 'i-0d0e',
        region: 'us-east-1',
        state: 'running',
        events: [{ code: 'system-reboot', description: '[Completed] scheduled reboot' }],
      },
      { id: 'i-0ff', region: 'eu-west-1', state: 'stopped', tags: { Role: 'db', Name: 'db-1' } },
      { id: 'i-01d1e', region: 'eu-west-1', state: 'stopped' },
      { id: 'i-0115', region: 'us-east-1', state: 'stopped' },
    );
    const config = testConfig({
      ec2: { expectRunning: { tags: { Role: 'db' }, instanceIds: ['i-0115'] } },
    });
    const source = createEc2Source({ accounts: fakeAccounts(fake, config), config });
    fake.emptyPages('DescribeInstanceStatus', 1);
    fake.fail('DescribeInstanceStatus', 2);
    const findings = await source.check?.(sourceContext());
    const keys = (findings ?? []).map((f) => f.key).sort();
    expect(keys).toEqual([
      'aws:ec2:default:eu-west-1:i-0bad:system',
      'aws:ec2:default:eu-west-1:i-0ff:stopped',
      'aws:ec2:default:us-east-1:i-0115:stopped',
      'aws:ec2:default:us-east-1:i-0a1:event:system-reboot',
      'aws:ec2:default:us-east-1:i-0c1c:instance',
    ]);
    const bad = findings?.find((f) => f.key.endsWith('i-0bad:system'));
    expect(bad).toMatchObject({
      severity: 'critical',
      resource: 'ec2:i-0bad',
      title: 'EC2 i-0bad (web-1) system status check impaired',
    });
    expect(bad?.evidence).toContain('reachability failed');
    expect(bad?.data).toMatchObject({
      kind: 'system-impaired',
      region: 'eu-west-1',
      instanceId: 'i-0bad',
    });
    // Regions from DescribeRegions; 1,2xx instances per region need two pages of 1,000.
    expect(fake.count('DescribeRegions')).toBe(1);
    expect(
      fake.calls.filter((c) => c.operation === 'DescribeInstanceStatus' && c.status === 200).length,
    ).toBe(5);
    const status = await source.status?.(sourceContext());
    expect(status?.health).toBe('critical');
    expect(JSON.stringify(status)).toContain('i-0bad');
  });

  it('EC2: a check that stays throttled throws (no false finding, no false all-clear)', async () => {
    fake.world.instances.push({
      id: 'i-1',
      region: 'eu-west-1',
      state: 'running',
      systemStatus: 'impaired',
    });
    const config = testConfig({ regions: ['eu-west-1'], maxAttempts: 2 });
    const source = createEc2Source({ accounts: fakeAccounts(fake, config), config });
    fake.fail('DescribeInstanceStatus', 2);
    await expect(source.check?.(sourceContext())).rejects.toMatchObject({
      name: 'RequestLimitExceeded',
    });
    expect(await source.check?.(sourceContext())).toHaveLength(1);
  });

  it('Amplify: a failed latest job is a finding until a later job succeeds; unchanged branches are not listed again', async () => {
    const t = (m: number) => new Date(Date.UTC(2026, 10, 21, 10, m));
    fake.world.apps.push(
      {
        appId: 'd1',
        name: 'shop',
        repository: 'https://github.com/x/shop',
        branches: [
          {
            branchName: 'main',
            jobs: [
              { jobId: '1', status: 'SUCCEED', jobType: 'WEB_HOOK', startTime: t(0) },
              {
                jobId: '2',
                status: 'FAILED',
                jobType: 'WEB_HOOK',
                commitId: 'abcdef1234567',
                commitMessage: 'Break the build',
                startTime: t(5),
                endTime: t(8),
              },
            ],
          },
          {
            branchName: 'dev',
            jobs: [{ jobId: '1', status: 'SUCCEED', jobType: 'RELEASE', startTime: t(1) }],
          },
        ],
      },
      ...Array.from({ length: 4 }, (_, n) => ({
        appId: `a${n}`,
        name: `app${n}`,
        branches: [
          {
            branchName: 'main',
            jobs: [
              {
                jobId: '1',
                status: 'SUCCEED' as const,
                jobType: 'MANUAL' as const,
                startTime: t(0),
              },
            ],
          },
        ],
      })),
    );
    const config = testConfig({ regions: ['us-east-1'] });
    const source = createAmplifySource({ accounts: fakeAccounts(fake, config), config });
    fake.capPage('ListApps', 2);
    fake.emptyPages('ListApps', 1);
    fake.fail('ListJobs', 1);
    const findings = (await source.check?.(sourceContext())) ?? [];
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      key: 'aws:amplify:default:us-east-1:d1:main:failed',
      title: 'Amplify shop/main job 2 failed',
      data: {
        appId: 'd1',
        branchName: 'main',
        jobId: '2',
        jobType: 'WEB_HOOK',
        commitId: 'abcdef1234567',
        repositoryConnected: true,
      },
    });
    expect(findings[0]?.evidence).toContain('Break the build');
    expect(findings[0]?.evidence).toContain('2026-11-21T10:05:00Z');
    const listJobs = fake.count('ListJobs');
    // A retry is running: the failure stands until it finishes.
    const main = fake.world.apps[0]?.branches[0];
    main?.jobs.push({ jobId: '3', status: 'RUNNING', jobType: 'RETRY', startTime: t(10) });
    expect(((await source.check?.(sourceContext())) ?? []).map((f) => f.key)).toEqual([
      findings[0]?.key,
    ]);
    // Only the changed branch was listed again.
    expect(fake.count('ListJobs') - listJobs).toBe(1);
    if (main?.jobs[2]) main.jobs[2].status = 'SUCCEED';
    expect(await source.check?.(sourceContext())).toEqual([]);
  });

  it('Logs: reads every page (empty ones too) since the last check and reports new and surging templates', async () => {
    const clock = testClock('2026-11-21T12:00:00Z');
    const now = clock.now().getTime();
    const group: Array<{ timestamp: number; message: string }> = [];
    fake.world.logGroups['/app/api'] = group;
    for (let n = 0; n < 40; n++) {
      group.push({
        timestamp: now - 600_000 + n * 1000,
        message: `2026-11-21T11:50:${String(n % 60).padStart(2, '0')}Z ERROR Connection refused to db-${n % 3}:5432`,
      });
      group.push({ timestamp: now - 600_000 + n * 1000 + 1, message: `INFO request ${n} ok` });
    }
    group.push({ timestamp: now - 1000, message: 'ERROR Out of memory in worker 7' });
    const config = testConfig({
      regions: ['us-east-1'],
      logs: { groups: [{ name: '/app/api' }], minCount: 5 },
    });
    const source = createLogsSource({ accounts: fakeAccounts(fake, config), config, clock });
    fake.capPage('FilterLogEvents', 7);
    fake.emptyPages('FilterLogEvents', 2);
    fake.fail('FilterLogEvents', 1);
    const first = (await source.check?.(sourceContext())) ?? [];
    expect(first.map((f) => f.title).sort()).toEqual([
      '/app/api: new error "Connection refused to <*>" (40 in 15 min)',
      '/app/api: new error "Out of memory in worker <*>" (1 in 15 min)',
    ]);
    expect(first[0]?.evidence).toMatch(/example: .*ERROR/);
    // Next window: nothing new; the findings are held (so the incident can open), not re-counted.
    clock.advance(60_000);
    const second = (await source.check?.(sourceContext())) ?? [];
    expect(second.map((f) => f.key)).toEqual(first.map((f) => f.key));
    const read = fake.calls.filter((c) => c.operation === 'FilterLogEvents');
    expect(read.at(-1)?.status).toBe(200);
    // A surge of a known template in one minute.
    for (let n = 0; n < 30; n++)
      group.push({
        timestamp: now + 60_000 + n,
        message: `ERROR Connection refused to db-${n % 3}:5432`,
      });
    clock.advance(60_000);
    const third = (await source.check?.(sourceContext())) ?? [];
    const surge = third.find((f) => f.title.includes('surging'));
    expect(surge?.title).toBe('/app/api: surging error "Connection refused to <*>" (30 in 1 min)');
    // Quiet past the hold: all clear.
    clock.advance(16 * 60_000);
    expect(await source.check?.(sourceContext())).toEqual([]);
    const status = await source.status?.(sourceContext());
    expect(status?.sections[0]?.note ?? '').toBe('');
  });
});

describe('a log group that does not exist', () => {
  it('is a finding of its own and does not blind the other groups; status names it', async () => {
    const clock = testClock('2026-11-21T12:00:00Z');
    fake.world.logGroups['/app/ok'] = [
      { timestamp: clock.now().getTime() - 1000, message: 'ERROR disk full on /data' },
    ];
    const config = testConfig({
      regions: ['us-east-1'],
      logs: { groups: [{ name: '/app/typo' }, { name: '/app/ok' }] },
    });
    const source = createLogsSource({ accounts: fakeAccounts(fake, config), config, clock });
    const findings = (await source.check?.(sourceContext())) ?? [];
    expect(findings.map((f) => f.title).sort()).toEqual([
      '/app/ok: new error "disk full on <*>" (1 in 15 min)',
      'Log group /app/typo not found in us-east-1',
    ]);
    const status = await source.status?.(sourceContext());
    expect(status?.sections[0]).toMatchObject({
      health: 'unknown',
      fields: [{ label: 'Error', value: expect.stringContaining('ResourceNotFoundException') }],
    });
    expect(status?.health).toBe('warn');
  });
});
