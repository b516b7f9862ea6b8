import { describe, expect, it } from 'vitest';
import { isOpsAgentError } from '../errors.js';
import { MetricsRegistry, renderPrometheus } from './registry.js';
import { createRuntimeMetrics, meteredModel } from './runtime-metrics.js';

describe('MetricsRegistry', () => {
  it('renders counters, gauges and histograms in the Prometheus text format', async () => {
    const registry = new MetricsRegistry();
    const calls = registry.counter('demo_calls_total', 'Calls made.', ['route']);
    calls.inc({ route: '/a' });
    calls.inc({ route: '/a' }, 2);
    calls.inc({ route: '/b' });
    registry.gauge('demo_open', 'Open things.').set({}, 4);
    const latency = registry.histogram('demo_seconds', 'Latency.', ['route'], [0.1, 1]);
    latency.observe({ route: '/a' }, 0.05);
    latency.observe({ route: '/a' }, 0.5);
    latency.observe({ route: '/a' }, 3);
    expect(await registry.render()).toBe(
      [
        '# HELP demo_calls_total Calls made.',
        '# TYPE demo_calls_total counter',
        'demo_calls_total{route="/a"} 3',
        'demo_calls_total{route="/b"} 1',
        '# HELP demo_open Open things.',
        '# TYPE demo_open gauge',
        'demo_open 4',
        '# HELP demo_seconds Latency.',
        '# TYPE demo_seconds histogram',
        'demo_seconds_bucket{route="/a",le="0.1"} 1',
        'demo_seconds_bucket{route="/a",le="1"} 2',
        'demo_seconds_bucket{route="/a",le="+Inf"} 3',
        'demo_seconds_sum{route="/a"} 3.55',
        'demo_seconds_count{route="/a"} 3',
        '',
      ].join('\n'),
    );
  });

  it('escapes label values and help text', () => {
    const text = renderPrometheus([
      {
        name: 'x_total',
        help: 'back\\slash and\nnewline',
        type: 'counter',
        series: [{ labels: { v: 'a "quoted"\\path\nnext' }, value: 1 }],
      },
    ]);
    expect(text).toContain('# HELP x_total back\\\\slash and\\nnewline\n');
    expect(text).toContain('x_total{v="a \\"quoted\\"\\\\path\\nnext"} 1\n');
  });

  it('returns the same metric when registered again, and refuses a clash', () => {
    const registry = new MetricsRegistry();
    registry.counter('a_total', 'A.', ['x']).inc({ x: '1' });
    registry.counter('a_total', 'A.', ['x']).inc({ x: '1' });
    expect(() => registry.gauge('a_total', 'A.', ['x'])).toThrow(
      expect.objectContaining({ code: 'METRIC_DUPLICATE' }),
    );
    expect(() => registry.counter('bad-name', 'B.')).toThrow(
      expect.objectContaining({ code: 'METRIC_NAME_INVALID' }),
    );
    expect(() => registry.counter('c_total', 'C.', ['le'])).toThrow(
      expect.objectContaining({ code: 'METRIC_NAME_INVALID' }),
    );
  });

  it('refuses to decrease a counter', () => {
    const counter = new MetricsRegistry().counter('a_total', 'A.');
    try {
      counter.inc({}, -1);
      expect.unreachable();
    } catch (error) {
      expect(isOpsAgentError(error, 'METRIC_VALUE_INVALID')).toBe(true);
    }
  });

  it('runs collectors before each render and survives a failing one', async () => {
    const registry = new MetricsRegistry();
    const gauge = registry.gauge('live', 'Live value.');
    let value = 1;
    registry.collect(() => {
      throw new Error('store down');
    });
    registry.collect(() => gauge.set({}, value));
    expect(await registry.render()).toContain('live 1\n');
    value = 7;
    expect(await registry.render()).toContain('live 7\n');
  });

  it('renders nothing for an empty registry', async () => {
    expect(await new MetricsRegistry().render()).toBe('');
  });
});

describe('runtime metrics', () => {
  it('counts model calls, tokens, cost and failures by model and task', async () => {
    const metrics = createRuntimeMetrics();
    let fail = false;
    const model = meteredModel(
      {
        name: 'router',
        async generate() {
          if (fail) throw new Error('outage');
          return {
            text: 'ok',
            toolCalls: [],
            stopReason: 'end',
            usage: {
              inputTokens: 100,
              outputTokens: 20,
              cachedInputTokens: 50,
              cacheWriteInputTokens: 30,
            },
            model: 'claude-haiku',
            costUsd: 0.25,
          };
        },
      },
      metrics,
    );
    await model.generate({ task: 'triage', system: '', messages: [], tools: [] });
    await model.generate({ task: 'triage', system: '', messages: [], tools: [] });
    fail = true;
    await expect(
      model.generate({ task: 'chat', system: '', messages: [], tools: [] }),
    ).rejects.toThrow('outage');
    const text = await metrics.registry.render();
    expect(text).toContain(
      'opsagent_model_calls_total{model="claude-haiku",task="triage",outcome="ok"} 2\n',
    );
    expect(text).toContain(
      'opsagent_model_calls_total{model="router",task="chat",outcome="error"} 1\n',
    );
    expect(text).toContain(
      'opsagent_model_tokens_total{model="claude-haiku",task="triage",kind="input"} 200\n',
    );
    expect(text).toContain(
      'opsagent_model_tokens_total{model="claude-haiku",task="triage",kind="cached_input"} 100\n',
    );
    expect(text).toContain(
      'opsagent_model_tokens_total{model="claude-haiku",task="triage",kind="cache_write"} 60\n',
    );
    expect(text).toContain(
      'opsagent_model_cost_usd_total{model="claude-haiku",task="triage"} 0.5\n',
    );
    expect(text).toContain(
      'opsagent_model_call_duration_seconds_count{model="claude-haiku",task="triage"} 2\n',
    );
  });
});
