import { accessSync, constants, mkdirSync } from 'node:fs';
import { errorMessage, resolveListen, silentLogger, withTimeout } from '@opsagent/core';
import { createStore, loadAgent, loadConfig } from './load.js';
import { providersOf } from './model.js';
import { resolveApiTokens } from './serve-api.js';

type Mark = 'ok' | 'warn' | 'fail';
const MARKS: Record<Mark, string> = { ok: '✓', warn: '!', fail: '✗' };

/** Options of {@link runDoctor}. */
export interface DoctorOptions {
  configPath?: string | undefined;
  preset?: string | undefined;
  env: NodeJS.ProcessEnv;
  cwd: string;
  out(line: string): void;
}

const CHECK_TIMEOUT_MS = 10_000;

/** What the store line says when the store opened. */
function storeDetail(store: ReturnType<typeof loadConfig>['config']['store']): string {
  if (store.type !== 'dynamodb') return `${store.type} opens and is migrated`;
  const where = [store.region, store.endpoint].filter(Boolean).join(', ');
  return `dynamodb table ${store.table}${where ? ` (${where})` : ''} exists with the expected keys and index`;
}

/** Checks config, data folder, store, model credentials and each source; one line each. True when nothing failed. */
export async function runDoctor(options: DoctorOptions): Promise<boolean> {
  let failed = false;
  const line = (mark: Mark, what: string, detail: string) => {
    if (mark === 'fail') failed = true;
    options.out(`${MARKS[mark]} ${what.padEnd(14)} ${detail}`);
  };
  line('ok', 'node', `${process.version}`);

  let loaded: ReturnType<typeof loadConfig>;
  try {
    loaded = loadConfig(options);
    line(
      'ok',
      'config',
      loaded.configFile ? `${loaded.configFile} is valid` : 'no opsagent.yaml: using defaults',
    );
    line('ok', 'preset', `${loaded.preset.name}: ${loaded.preset.description}`);
  } catch (error) {
    line('fail', 'config', errorMessage(error).replaceAll('\n', '\n                 '));
    return false;
  }

  try {
    mkdirSync(loaded.dataDir, { recursive: true });
    accessSync(loaded.dataDir, constants.W_OK);
    line('ok', 'data folder', `${loaded.dataDir} is writable`);
  } catch (error) {
    line(
      'fail',
      'data folder',
      `${loaded.dataDir}: ${errorMessage(error)} (set dataDir in opsagent.yaml or OPSAGENT_DATA_DIR)`,
    );
  }

  try {
    const store = await createStore(loaded, { env: options.env });
    try {
      await store.init();
      line('ok', 'store', storeDetail(loaded.config.store));
    } finally {
      await store.close().catch(() => undefined);
    }
  } catch (error) {
    line('fail', 'store', errorMessage(error).replaceAll('\n', '\n                 '));
  }

  const providers = providersOf(loaded.config, options.env);
  const first = options.env.OPSAGENT_MODEL?.trim() || undefined;
  line(
    providers.length > 0 ? 'ok' : 'warn',
    'model',
    providers.length > 0
      ? `providers: ${providers.map((p) => `${p.name} (${p.source === 'env' ? 'environment' : 'config'})`).join(', ')}${first ? ` (first choice ${first})` : ''}; one "llm" line each below`
      : 'none configured: commands work, questions need ANTHROPIC_API_KEY, OPENAI_API_KEY (or OPENAI_BASE_URL), GEMINI_API_KEY, OPSAGENT_MODEL=bedrock:... or plugins.llm.providers',
  );

  try {
    const { agent } = await loadAgent({ ...options, mode: 'doctor', logLevel: 'silent' });
    try {
      const reports = await agent.status();
      const sources = [...agent.registry.sources.values()].filter((s) => s.status);
      sources.forEach((source, index) => {
        const report = reports[index];
        const health = report?.health ?? 'unknown';
        const mark: Mark = health === 'unknown' ? 'fail' : health === 'ok' ? 'ok' : 'warn';
        const detail =
          report?.sections.map((s) => `${s.title}: ${s.health ?? 'ok'}`).join(', ') ?? 'no report';
        line(mark, `source ${source.name}`, detail);
      });
      for (const channel of agent.registry.channels.values())
        line('ok', `channel ${channel.name}`, 'configured');
      const api = loaded.config.api;
      if (api) {
        try {
          const tokens = resolveApiTokens(api, agent);
          const { host, port } = resolveListen(api, options.env);
          const who = [...new Set(tokens.map((t) => t.principal.id))].join(', ');
          line(
            tokens.length > 0 ? 'ok' : 'warn',
            'api',
            `serves on ${host}:${port}; ${tokens.length > 0 ? `${tokens.length} token(s) acting as ${who}` : 'no tokens: only /healthz and /readyz answer'}; /metrics ${api.metrics === 'open' ? 'open' : 'needs a token'}`,
          );
        } catch (error) {
          line('fail', 'api', errorMessage(error));
        }
      }
      for (const check of agent.registry.checks) {
        try {
          const result = await withTimeout(`check ${check.name}`, CHECK_TIMEOUT_MS, (signal) =>
            check.run({ signal, logger: silentLogger }),
          );
          line(result.status, check.name, result.detail);
        } catch (error) {
          line('fail', check.name, errorMessage(error));
        }
      }
    } finally {
      await agent.stop();
    }
  } catch (error) {
    line('fail', 'agent', errorMessage(error));
  }
  return !failed;
}
