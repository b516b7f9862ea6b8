import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  assertPlugin,
  buildRegistry,
  type Finding,
  type Plugin,
  type Registry,
  type Remediation,
  type Severity,
  silentLogger,
  toolDefinition,
} from '@opsagent/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** A config the plugin's schema must refuse, and the field its error must name. */
export interface InvalidConfigCase {
  /** What the case is about, e.g. `a url that is not a URL`. */
  name: string;
  /** The config section as a user could write it. */
  config: unknown;
  /** Path the first error must point at, e.g. `['endpoints', 0, 'url']`. */
  path: ReadonlyArray<string | number>;
}

/** Options of {@link describePluginContract}. */
export interface PluginContractOptions {
  /** The plugin under test. */
  plugin: Plugin;
  /** A valid config section (before defaults), as in opsagent.yaml. */
  config: unknown;
  /** Configs the schema must refuse, naming the field. At least one when there is a schema. */
  invalidConfigs?: InvalidConfigCase[];
  /** Environment handed to setup. Default: empty (the plugin must not need the real one). */
  env?: Record<string, string | undefined>;
  /**
   * Sample inputs per tool name: each must be accepted by the tool's schema and, when
   * `runTools` is true, run to a non-empty output.
   */
  toolInputs?: Record<string, unknown[]>;
  /** Run the tools on their sample inputs (needs whatever the config points at). Default false. */
  runTools?: boolean;
  /** Sample inputs per remediation name: accepted by its schema, described in one line. */
  remediationInputs?: Record<string, unknown[]>;
  /**
   * Findings to offer each remediation's `appliesTo`: whatever it returns must pass its own
   * input schema.
   */
  findings?: Finding[];
  /** Call `status` and `check` of every source (needs what they observe). Default false. */
  runSources?: boolean;
}

const SNAKE = /^[a-z][a-z0-9_]*$/;
const HEALTH = new Set(['ok', 'warn', 'critical', 'unknown']);
const SEVERITY = new Set<Severity>(['info', 'warning', 'critical']);
const RISK = new Set(['low', 'medium', 'high']);

function context() {
  return { signal: AbortSignal.timeout(30_000), logger: silentLogger };
}

/**
 * The contract every opsagent plugin keeps, as a vitest suite: a valid manifest; a config schema
 * that accepts the sample and refuses bad configs naming the field; a setup that registers with
 * valid, unique names; tools the model can call (snake_case names, descriptions, JSON-Schema
 * inputs); remediations with a risk, a one-line plan for each sample input and `appliesTo`
 * answers their own schema accepts; sources whose status and findings are well formed.
 *
 * ```ts
 * describePluginContract('http-checks', { plugin, config: { endpoints: [...] } });
 * ```
 */
export function describePluginContract(title: string, options: PluginContractOptions): void {
  const { plugin } = options;
  describe(`plugin contract: ${title}`, () => {
    let dataDir: string;
    let registry: Registry | undefined;
    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'opsagent-plugin-contract-'));
      registry = await buildRegistry([{ plugin, config: options.config }], {
        logger: silentLogger,
        dataDir,
        env: options.env ?? {},
      });
    });
    afterAll(async () => {
      for (const dispose of registry?.disposers ?? []) await dispose();
      rmSync(dataDir, { recursive: true, force: true });
    });
    const built = (): Registry => {
      if (registry === undefined) throw new Error('setup did not complete');
      return registry;
    };

    it('has a valid manifest', () => {
      expect(() => assertPlugin(plugin, `plugin "${title}"`)).not.toThrow();
      expect(plugin.name).toMatch(/^[a-z0-9][a-z0-9_.:@/-]*$/i);
    });

    it('accepts the sample config and refuses bad ones, naming the field', () => {
      const schema = plugin.configSchema;
      if (schema === undefined) {
        expect(options.invalidConfigs ?? []).toEqual([]);
        return;
      }
      const ok = schema.safeParse(options.config);
      expect(ok.error?.issues ?? []).toEqual([]);
      expect(options.invalidConfigs?.length ?? 0).toBeGreaterThan(0);
      for (const bad of options.invalidConfigs ?? []) {
        const result = schema.safeParse(bad.config);
        expect(result.success, `${bad.name}: the schema accepted it`).toBe(false);
        const paths = (result.error?.issues ?? []).map((issue) => issue.path);
        expect(paths, bad.name).toContainEqual([...bad.path]);
        for (const issue of result.error?.issues ?? [])
          expect(issue.message.length, `${bad.name}: empty message`).toBeGreaterThan(0);
      }
    });

    it('sets up and registers with valid, unique names', () => {
      const r = built();
      expect(r.plugins.map((p) => p.name)).toEqual([plugin.name]);
      const contributed =
        r.tools.size +
        r.sources.size +
        r.remediations.size +
        r.channels.size +
        r.commandList.length;
      expect(contributed + r.checks.length + (r.model ? 1 : 0)).toBeGreaterThan(0);
    });

    it('offers tools the model can call', () => {
      for (const tool of built().tools.values()) {
        expect(tool.name).toMatch(SNAKE);
        expect(tool.description.length, `${tool.name}: describe it for the model`).toBeGreaterThan(
          20,
        );
        const definition = toolDefinition(tool);
        expect(definition.inputSchema.type, `${tool.name}: input must be an object`).toBe('object');
        for (const input of options.toolInputs?.[tool.name] ?? []) {
          const parsed = tool.input.safeParse(input);
          expect(parsed.error?.issues ?? [], `${tool.name} sample input`).toEqual([]);
        }
      }
      for (const name of Object.keys(options.toolInputs ?? {}))
        expect(built().tools.has(name), `no tool named ${name}`).toBe(true);
    });

    it.runIf(options.runTools === true)('runs each tool on its sample inputs', async () => {
      for (const [name, inputs] of Object.entries(options.toolInputs ?? {})) {
        const tool = built().tools.get(name);
        for (const input of inputs) {
          const result = await tool?.run(tool.input.parse(input), context());
          const output = typeof result === 'string' ? result : result?.output;
          expect(output?.trim().length ?? 0, `${name} gave no output`).toBeGreaterThan(0);
        }
      }
    });

    it('describes each remediation plan exactly, with a risk', () => {
      for (const remediation of built().remediations.values()) {
        expect(remediation.name).toMatch(SNAKE);
        expect(RISK.has(remediation.risk), `${remediation.name}: risk`).toBe(true);
        expect(remediation.description.length).toBeGreaterThan(20);
        expect(toolDefinition(remediation).inputSchema.type).toBe('object');
        for (const input of options.remediationInputs?.[remediation.name] ?? []) {
          const parsed = remediation.input.safeParse(input);
          expect(parsed.error?.issues ?? [], `${remediation.name} sample input`).toEqual([]);
          const plan = remediation.describe(parsed.data);
          expect(plan.trim().length).toBeGreaterThan(0);
          expect(plan, `${remediation.name}: one line`).not.toContain('\n');
        }
      }
      for (const name of Object.keys(options.remediationInputs ?? {}))
        expect(built().remediations.has(name), `no remediation named ${name}`).toBe(true);
    });

    it('proposes only inputs its remediations accept', () => {
      for (const remediation of built().remediations.values()) {
        for (const finding of options.findings ?? []) {
          const proposed = (remediation as Remediation).appliesTo?.(finding);
          if (proposed === undefined) continue;
          const parsed = remediation.input.safeParse(proposed);
          expect(parsed.error?.issues ?? [], `${remediation.name} for ${finding.key}`).toEqual([]);
          expect(remediation.describe(parsed.data).trim().length).toBeGreaterThan(0);
        }
      }
    });

    it.runIf(options.runSources === true)('gives well-formed status and findings', async () => {
      for (const source of built().sources.values()) {
        if (source.status) {
          const report = await source.status(context());
          expect(HEALTH.has(report.health), `${source.name}: health`).toBe(true);
          for (const section of report.sections) {
            expect(section.title.length).toBeGreaterThan(0);
            for (const field of section.fields) expect(field.label.length).toBeGreaterThan(0);
          }
        }
        if (source.check) {
          const first = await source.check(context());
          const keys = first.map((f) => f.key);
          expect(new Set(keys).size, `${source.name}: finding keys must be unique`).toBe(
            keys.length,
          );
          for (const finding of first) {
            expect(SEVERITY.has(finding.severity)).toBe(true);
            expect(finding.title.length).toBeGreaterThan(0);
            expect(finding.resource.length).toBeGreaterThan(0);
          }
          const second = await source.check(context());
          expect(
            second.map((f) => f.key).sort(),
            `${source.name}: the same state must give the same keys`,
          ).toEqual([...keys].sort());
        }
      }
    });

    it('runs its doctor checks without throwing', async () => {
      for (const check of built().checks) {
        const result = await check.run(context()).catch((error: unknown) => ({
          status: 'fail' as const,
          detail: String(error),
        }));
        expect(['ok', 'warn', 'fail']).toContain(result.status);
        expect(result.detail.length, `${check.name}: say what was found`).toBeGreaterThan(0);
      }
    });
  });
}
