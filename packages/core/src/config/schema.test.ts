import { describe, expect, it } from 'vitest';
import { type CoreConfig, coreConfigSchema, toRuntimeOptions } from './schema.js';

const EMPTY_FILE_CONFIG: CoreConfig = {
  log: { level: 'info' },
  principals: [],
  conversation: {
    historyLimit: 20,
    idleTimeout: 30 * 60_000,
    maxPending: 20,
    maxPendingTotal: 1000,
  },
  agent: { maxRounds: 8, toolTimeout: 30_000, toolOutputLimit: 16_000, maxToolInputErrors: 3 },
  monitor: {
    interval: 60_000,
    timeout: 20_000,
    openAfter: 2,
    resolveAfter: 2,
    triage: true,
    diagnose: 'off',
  },
  notifications: { routes: [] },
  approvals: {
    expiresIn: 60 * 60_000,
    deciderRoles: { low: 'operator', medium: 'operator', high: 'admin' },
    policy: [],
    executionTimeout: 5 * 60_000,
  },
  store: { type: 'sqlite' },
  modules: [],
  plugins: {},
};

describe('coreConfigSchema', () => {
  it('gives every section its defaults for an empty file', () => {
    expect(coreConfigSchema.parse({})).toEqual(EMPTY_FILE_CONFIG);
  });

  it('fills defaults inside list items', () => {
    const config = coreConfigSchema.parse({
      notifications: { routes: [{ channel: 'slack', to: { chat: 'C1' } }] },
      approvals: { policy: [{ name: 'r', decision: 'approve' }] },
    });
    expect(config.notifications.routes[0]?.minSeverity).toBe('warning');
    expect(config.approvals.policy[0]).toEqual({
      name: 'r',
      decision: 'approve',
      remediations: ['*'],
      maxRisk: 'low',
      from: [],
    });
  });

  it('does not share default lists between parses', () => {
    const first = coreConfigSchema.parse({
      approvals: { policy: [{ name: 'r', decision: 'approve' }] },
    });
    first.approvals.policy[0]?.remediations.push('changed');
    first.principals.push({ id: 'x', roles: ['admin'], identities: {} });
    const second = coreConfigSchema.parse({
      approvals: { policy: [{ name: 'r', decision: 'approve' }] },
    });
    expect(second.approvals.policy[0]?.remediations).toEqual(['*']);
    expect(second.principals).toEqual([]);
  });

  it('rejects unknown keys in every section', () => {
    const result = coreConfigSchema.safeParse({ monitor: { intervall: '5m' }, extra: 1 });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.code)).toEqual([
      'unrecognized_keys',
      'unrecognized_keys',
    ]);
  });

  it('rejects durations of zero and beyond what a timer can wait', () => {
    expect(coreConfigSchema.safeParse({ monitor: { interval: 0 } }).success).toBe(false);
    expect(coreConfigSchema.safeParse({ monitor: { interval: '25d' } }).success).toBe(false);
    expect(coreConfigSchema.safeParse({ monitor: { interval: '24d' } }).success).toBe(true);
  });

  it('reports a repeated principal id at the repeat', () => {
    const result = coreConfigSchema.safeParse({
      principals: [
        { id: 'alice', roles: ['admin'], identities: { console: ['*'] } },
        { id: 'alice', roles: ['viewer'], identities: { slack: ['U1'] } },
      ],
    });
    expect(result.error?.issues).toMatchObject([
      {
        path: ['principals', 1, 'id'],
        message: expect.stringContaining('duplicate principal id "alice"'),
      },
    ]);
  });

  it('reports a repeated policy rule name', () => {
    const result = coreConfigSchema.safeParse({
      approvals: {
        policy: [
          { name: 'r', decision: 'approve' },
          { name: 'r', decision: 'reject' },
        ],
      },
    });
    expect(result.error?.issues[0]?.path).toEqual(['approvals', 'policy', 1, 'name']);
  });
});

describe('toRuntimeOptions', () => {
  it('maps the defaults to the runtime defaults, monitor enabled', () => {
    expect(toRuntimeOptions(EMPTY_FILE_CONFIG)).toEqual({
      conversation: { historyLimit: 20, idleTimeoutMs: 1_800_000 },
      queue: { maxPerConversation: 20, maxTotal: 1000 },
      agent: {
        maxRounds: 8,
        toolTimeoutMs: 30_000,
        toolOutputLimit: 16_000,
        maxToolInputErrors: 3,
      },
      monitor: {
        enabled: true,
        intervalMs: 60_000,
        timeoutMs: 20_000,
        openAfter: 2,
        resolveAfter: 2,
        triage: true,
        diagnose: 'off',
      },
      notifications: [],
      approvals: {
        expiresInMs: 3_600_000,
        deciderRoles: { low: 'operator', medium: 'operator', high: 'admin' },
        policy: [],
        executionTimeoutMs: 300_000,
      },
      principals: [],
    });
  });

  it('maps every section of a full file', () => {
    const config = coreConfigSchema.parse({
      principals: [
        {
          id: 'alice',
          name: 'Alice',
          roles: ['admin'],
          identities: { signal: ['+4915112345678'] },
        },
        { id: 'bob', roles: ['viewer'], identities: { slack: ['U1', 'U2'] } },
      ],
      conversation: { historyLimit: 50, idleTimeout: '1h', maxPending: 5, maxPendingTotal: 200 },
      agent: {
        maxRounds: 4,
        toolTimeout: '10s',
        toolOutputLimit: 4000,
        maxToolInputErrors: 2,
        instructions: 'Be brief.',
      },
      monitor: { enabled: false, interval: '5m', timeout: 15_000, openAfter: 3, resolveAfter: 1 },
      notifications: {
        routes: [
          { channel: 'slack', to: { chat: 'C1', thread: 'T1' }, minSeverity: 'critical' },
          { channel: 'signal', to: { chat: 'group.x' } },
        ],
      },
      approvals: {
        expiresIn: '30m',
        deciderRoles: { high: 'operator' },
        policy: [
          {
            name: 'restart',
            decision: 'approve',
            remediations: ['restart_container'],
            maxRisk: 'medium',
            from: ['monitor', 'operator'],
          },
        ],
        executionTimeout: '2m',
      },
    });
    expect(toRuntimeOptions(config)).toEqual({
      conversation: { historyLimit: 50, idleTimeoutMs: 3_600_000 },
      queue: { maxPerConversation: 5, maxTotal: 200 },
      agent: {
        maxRounds: 4,
        toolTimeoutMs: 10_000,
        toolOutputLimit: 4000,
        maxToolInputErrors: 2,
        instructions: 'Be brief.',
      },
      monitor: {
        enabled: false,
        intervalMs: 300_000,
        timeoutMs: 15_000,
        openAfter: 3,
        resolveAfter: 1,
        triage: true,
        diagnose: 'off',
      },
      notifications: [
        { channel: 'slack', address: { chat: 'C1', thread: 'T1' }, minSeverity: 'critical' },
        { channel: 'signal', address: { chat: 'group.x' }, minSeverity: 'warning' },
      ],
      approvals: {
        expiresInMs: 1_800_000,
        deciderRoles: { low: 'operator', medium: 'operator', high: 'operator' },
        policy: [
          {
            name: 'restart',
            decision: 'approve',
            remediations: ['restart_container'],
            maxRisk: 'medium',
            from: ['monitor', 'operator'],
          },
        ],
        executionTimeoutMs: 120_000,
      },
      principals: [
        {
          id: 'alice',
          name: 'Alice',
          roles: ['admin'],
          identities: { signal: ['+4915112345678'] },
        },
        { id: 'bob', roles: ['viewer'], identities: { slack: ['U1', 'U2'] } },
      ],
    });
  });

  it('copies, so the runtime never shares the config objects', () => {
    const config = coreConfigSchema.parse({
      principals: [{ id: 'a', roles: ['admin'], identities: { console: ['*'] } }],
    });
    const options = toRuntimeOptions(config);
    options.principals[0]?.roles.push('viewer');
    expect(config.principals[0]?.roles).toEqual(['admin']);
  });
});
