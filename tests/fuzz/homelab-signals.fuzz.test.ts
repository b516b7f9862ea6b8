import {
  HomeAssistantWatcher,
  NetworkMeter,
  networkRates,
  parseProcNetDev,
} from '@opsagent/source-homelab';
import { type FakeHomeAssistant, startFakeHomeAssistant } from '@opsagent/testkit';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bounded, fuzzRuns, report } from './runs.js';

// Surface 3b: /proc/net/dev text from a remote host, and Home Assistant WebSocket frames. Whatever
// arrives, parsing never throws, rates are never negative or NaN, and the watcher ignores junk
// frames and keeps following the good ones.

const RUNS = fuzzRuns();

const counterLine = fc
  .tuple(
    fc.stringMatching(/^[a-z][a-z0-9._-]{0,12}$/),
    fc.array(fc.oneof(fc.nat(), fc.constant(-1), fc.constant(Number.NaN)), {
      minLength: 0,
      maxLength: 18,
    }),
  )
  .map(([name, values]) => `  ${name}: ${values.join(' ')}`);

describe('/proc/net/dev text, fuzzed', () => {
  it('parses any text without throwing; rates between any two readings are finite and never negative', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.array(counterLine, { maxLength: 8 }).map((l) => l.join('\n')),
        ),
        fc.array(counterLine, { maxLength: 8 }).map((l) => l.join('\n')),
        fc.double({ min: -10, max: 1e6, noNaN: true }),
        fc.double({ min: -10, max: 1e6, noNaN: true }),
        (a, b, t1, t2) => {
          const before = parseProcNetDev(a);
          const after = parseProcNetDev(b);
          for (const i of [...before, ...after]) {
            for (const v of [
              i.rxBytes,
              i.txBytes,
              i.rxErrors,
              i.txErrors,
              i.rxDropped,
              i.txDropped,
            ])
              expect(Number.isFinite(v) && v >= 0).toBe(true);
          }
          const rates = networkRates(
            { atSeconds: t1, interfaces: before },
            { atSeconds: t2, interfaces: after },
          );
          if (t2 <= t1) expect(rates).toBeUndefined();
          for (const r of rates?.interfaces ?? []) {
            for (const v of [r.rxBytesPerSecond, r.txBytesPerSecond, r.rxErrors, r.rxDropped])
              expect(Number.isFinite(v) && v >= 0).toBe(true);
          }
          const meter = new NetworkMeter();
          meter.update({ atSeconds: t1, interfaces: before });
          meter.update({ atSeconds: t2, interfaces: after });
        },
      ),
      { numRuns: RUNS },
    );
    report('homelab-network', '/proc/net/dev text and rates between two readings', RUNS);
  });
});

describe('Home Assistant WebSocket frames, fuzzed', () => {
  let ha: FakeHomeAssistant;
  let watcher: HomeAssistantWatcher;
  beforeAll(async () => {
    ha = await startFakeHomeAssistant({
      entities: [{ entity_id: 'sensor.freezer', state: '-19' }],
    });
    watcher = new HomeAssistantWatcher({
      url: ha.url,
      token: ha.token,
      entities: ['sensor.freezer'],
    });
    watcher.start();
    await watcher.settled(5000);
  });
  afterAll(async () => {
    watcher?.stop();
    await ha?.close();
  });

  const junk = fc.oneof(
    fc.string({ maxLength: 60 }),
    fc.json({ maxDepth: 3 }),
    fc
      .record({
        type: fc.constantFrom('event', 'result', 'pong', 'auth_ok', 'x'),
        id: fc.oneof(fc.integer(), fc.string()),
      })
      .map((m) => JSON.stringify(m)),
    fc
      .record({
        entity_id: fc.constantFrom('sensor.freezer', 'sensor.other', 7),
        new_state: fc.oneof(
          fc.constant(undefined),
          fc.json({ maxDepth: 2 }).map((j) => JSON.parse(j) as unknown),
          fc.record({ entity_id: fc.constant('sensor.freezer'), state: fc.integer() }),
        ),
      })
      .map((data) =>
        JSON.stringify({ id: 1, type: 'event', event: { event_type: 'state_changed', data } }),
      ),
    fc
      .json({ maxDepth: 3 })
      .map((j) =>
        JSON.stringify({ id: 2, type: 'result', success: true, result: JSON.parse(j) as unknown }),
      ),
  );

  it('ignores junk frames (or takes a well-formed state from them) and follows the next good event', async () => {
    expect(watcher.status).toBe('connected');
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(junk, { maxLength: 5 }), async (frames) => {
        n += 1;
        const value = `v${n}`;
        for (const frame of frames) ha.wsSendRaw(frame);
        ha.wsSendRaw(
          JSON.stringify({
            id: 1,
            type: 'event',
            event: {
              event_type: 'state_changed',
              data: {
                entity_id: 'sensor.freezer',
                new_state: { entity_id: 'sensor.freezer', state: value, attributes: {} },
              },
            },
          }),
        );
        await bounded(
          (async () => {
            while (watcher.state('sensor.freezer')?.state !== value)
              await new Promise((r) => setImmediate(r));
          })(),
        );
        expect(watcher.status).toBe('connected');
      }),
      { numRuns: Math.max(50, Math.floor(RUNS / 5)) },
    );
    report(
      'homeassistant-ws',
      'junk frames then a good state_changed event',
      Math.max(50, Math.floor(RUNS / 5)),
    );
  });
});
