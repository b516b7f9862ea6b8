import { OpsAgentError } from '../errors.js';

/** Where to look for one secret. */
export interface SecretSource {
  /** The value from config, if given. */
  value?: string | undefined;
  /** Environment variables to try in order, e.g. `['SLACK_SIGNING_SECRET', 'SLACK_SIGNING_KEY']`. */
  env: readonly string[];
  /** The config path that could hold it, for the error message, e.g. `slack.signingSecret`. */
  configPath: string;
  /** What it is, for the error message, e.g. `Slack signing secret`. */
  description: string;
}

/** The secret from config, else the first env var set; undefined when neither has it. */
export function findSecret(
  source: SecretSource,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string | undefined {
  if (source.value) return source.value;
  for (const name of source.env) {
    const value = env[name];
    if (value) return value;
  }
  return undefined;
}

/** Like {@link findSecret}, but throws `SECRET_MISSING` naming the config path and env vars. */
export function resolveSecret(
  source: SecretSource,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  const value = findSecret(source, env);
  if (value !== undefined) return value;
  throw new OpsAgentError(
    'SECRET_MISSING',
    `${source.description} is missing: set ${source.env.join(' or ')} in the environment, or ${source.configPath} in opsagent.yaml`,
    { category: 'user', details: { configPath: source.configPath, env: source.env } },
  );
}
