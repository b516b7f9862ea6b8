import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { definePlugin } from '../contracts/plugin.js';
import { defineTool } from '../contracts/tool.js';
import { isOpsAgentError } from '../errors.js';
import { silentLogger } from '../logging/logger.js';
import { buildRegistry } from './registry.js';

const env = { logger: silentLogger, dataDir: '/tmp', env: {} };
const tool = (name: string) =>
  defineTool({ name, description: name, input: z.object({}), run: async () => 'ok' });

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return isOpsAgentError(error) ? error.code : `not coded: ${String(error)}`;
  }
}

describe('plugin registration', () => {
  it('registers what each plugin contributes', async () => {
    const registry = await buildRegistry(
      [
        {
          plugin: definePlugin({ name: 'a', setup: () => ({ tools: [tool('one'), tool('two')] }) }),
        },
      ],
      env,
    );
    expect([...registry.tools.keys()]).toEqual(['one', 'two']);
  });

  it('rejects two plugins with the same name with PLUGIN_DUPLICATE', async () => {
    const plugin = definePlugin({ name: 'twin', setup: () => ({}) });
    expect(await codeOf(buildRegistry([{ plugin }, { plugin }], env))).toBe('PLUGIN_DUPLICATE');
  });

  it('rejects two tools with the same name, naming both plugins', async () => {
    const a = definePlugin({ name: 'a', setup: () => ({ tools: [tool('same')] }) });
    const b = definePlugin({ name: 'b', setup: () => ({ tools: [tool('same')] }) });
    await expect(buildRegistry([{ plugin: a }, { plugin: b }], env)).rejects.toThrow(
      /tool "same" is registered twice: by plugin "a" and by plugin "b"/,
    );
  });

  it('rejects a command keyword used twice, also through aliases', async () => {
    const cmd = (name: string, aliases: string[] = []) => ({
      name,
      aliases,
      description: name,
      run: async () => 'x',
    });
    const p = definePlugin({
      name: 'p',
      setup: () => ({ commands: [cmd('logs'), cmd('tail', ['LOGS'])] }),
    });
    expect(await codeOf(buildRegistry([{ plugin: p }], env))).toBe('PLUGIN_DUPLICATE');
  });

  it('rejects a manifest without a name or setup with PLUGIN_INVALID', async () => {
    expect(await codeOf(buildRegistry([{ plugin: { name: '', setup: () => ({}) } }], env))).toBe(
      'PLUGIN_INVALID',
    );
    expect(await codeOf(buildRegistry([{ plugin: { name: 'x' } as never }], env))).toBe(
      'PLUGIN_INVALID',
    );
  });

  it('validates a plugin config section and names the failing path', async () => {
    const plugin = definePlugin({
      name: 'web',
      configSchema: z.object({ url: z.string().url(), timeout: z.number().default(5) }),
      setup: ({ config }) => ({ tools: [tool(`get_${config.timeout}`)] }),
    });
    await expect(buildRegistry([{ plugin, config: { url: 'nope' } }], env)).rejects.toThrow(
      /plugins\.web\.url/,
    );
    const registry = await buildRegistry(
      [{ plugin, config: { url: 'https://example.test' } }],
      env,
    );
    expect([...registry.tools.keys()]).toEqual(['get_5']);
  });

  it('wraps a setup failure in PLUGIN_SETUP_FAILED naming the plugin', async () => {
    const plugin = definePlugin({
      name: 'boom',
      setup: () => {
        throw new Error('no socket');
      },
    });
    await expect(buildRegistry([{ plugin }], env)).rejects.toThrow(
      /plugin "boom" failed to set up: Error: no socket/,
    );
  });

  it('collects doctor checks from every plugin', async () => {
    const check = (name: string) => ({
      name,
      run: async () => ({ status: 'ok' as const, detail: name }),
    });
    const registry = await buildRegistry(
      [
        { plugin: definePlugin({ name: 'a', setup: () => ({ checks: [check('a auth')] }) }) },
        { plugin: definePlugin({ name: 'b', setup: () => ({ checks: [check('b api')] }) }) },
      ],
      env,
    );
    expect(registry.checks.map((c) => c.name)).toEqual(['a auth', 'b api']);
  });
});
