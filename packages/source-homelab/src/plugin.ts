import { type Clock, definePlugin, type Plugin } from '@opsagent/core';
import { z } from 'zod';
import { createSystemCollector, type HostCollector } from './local/collect.js';
import { createLocalHostSource } from './local/source.js';
import { DEFAULT_THRESHOLDS, type Limit } from './local/thresholds.js';
import { createLocalHostTools } from './local/tools.js';

function limitSchema(what: string, unit: string, defaults: Limit) {
  return z
    .strictObject({
      warn: z
        .number()
        .min(0)
        .default(defaults.warn)
        .describe(`${what} at or above which it needs attention, ${unit}.`),
      critical: z
        .number()
        .min(0)
        .default(defaults.critical)
        .describe(`${what} at or above which it is critical, ${unit}.`),
    })
    .refine((limit) => limit.warn <= limit.critical, {
      message: 'warn must not be above critical',
      path: ['warn'],
    })
    .prefault({})
    .describe(
      `Levels for ${what.toLowerCase()}, ${unit}; default warn ${defaults.warn}, critical ${defaults.critical}.`,
    );
}

/** Config section of the `local-host` plugin (`plugins.local-host` in opsagent.yaml). */
export const localHostConfigSchema = z
  .strictObject({
    cacheTtl: z
      .number()
      .int()
      .min(0)
      .default(5000)
      .describe(
        'How long a snapshot of this machine is reused by status, checks and context, in ms; 0 disables the cache.',
      ),
    thresholds: z
      .strictObject({
        disk: limitSchema('Use of each disk', 'in %', DEFAULT_THRESHOLDS.disk),
        memory: limitSchema('Memory use', 'in %', DEFAULT_THRESHOLDS.memory),
        loadPerCore: limitSchema(
          '5-minute load average per CPU',
          'a ratio',
          DEFAULT_THRESHOLDS.loadPerCore,
        ),
        temperature: limitSchema('Main CPU temperature', 'in °C', DEFAULT_THRESHOLDS.temperature),
      })
      .prefault({})
      .describe('Health levels that mark status fields and raise findings.'),
  })
  .describe('This machine: CPU, load, memory, disks, uptime and temperature.');

/** The validated config of the `local-host` plugin. */
export type LocalHostConfig = z.output<typeof localHostConfigSchema>;

/** Seams of {@link createLocalHostPlugin}, for tests and embedders. */
export interface LocalHostPluginOverrides {
  /** Reads the machine; default a systeminformation collector created at setup. */
  collector?: HostCollector;
  /** Time source; default the wall clock. */
  clock?: Clock;
  /** Source name; default `local`. */
  sourceName?: string;
}

/**
 * The `local-host` plugin with injected seams: contributes the `local` source and the
 * `host_status`, `top_processes` and `disk_usage` tools, sharing one collector.
 */
export function createLocalHostPlugin(
  overrides: LocalHostPluginOverrides = {},
): Plugin<typeof localHostConfigSchema> {
  return definePlugin({
    name: 'local-host',
    configSchema: localHostConfigSchema,
    setup({ config }) {
      const collector = overrides.collector ?? createSystemCollector({ clock: overrides.clock });
      const source = createLocalHostSource({
        name: overrides.sourceName,
        collector,
        clock: overrides.clock,
        cacheTtlMs: config.cacheTtl,
        thresholds: config.thresholds,
      });
      return {
        sources: [source],
        tools: createLocalHostTools({ collector, thresholds: source.thresholds }),
      };
    },
  });
}

/** The `local-host` plugin: this machine as a source, plus read-only tools about it. */
export const localHostPlugin: Plugin<typeof localHostConfigSchema> = createLocalHostPlugin();
