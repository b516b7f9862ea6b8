import {
  type Agent,
  type ApiConfig,
  type ApiToken,
  createManagementApi,
  type Logger,
  type ManagementApi,
  OpsAgentError,
  resolveListen,
} from '@opsagent/core';

/**
 * The API tokens of the `api` section with their principals resolved from the agent's principals.
 *
 * @throws {OpsAgentError} `API_PRINCIPAL_UNKNOWN` naming the field and the known principal ids
 */
export function resolveApiTokens(config: ApiConfig, agent: Pick<Agent, 'principal'>): ApiToken[] {
  return config.tokens.map((entry, index) => {
    const principal = agent.principal(entry.principal);
    if (!principal) {
      throw new OpsAgentError(
        'API_PRINCIPAL_UNKNOWN',
        `api.tokens[${index}].principal: no principal "${entry.principal}"; add it under principals (with the roles it needs, e.g. operator to approve) or use an existing id`,
        { category: 'user', details: { principal: entry.principal } },
      );
    }
    return { token: entry.token, principal };
  });
}

/** Starts the management API of `opsagent run`; resolves once it listens. */
export async function startApi(options: {
  agent: Agent;
  config: ApiConfig;
  env: NodeJS.ProcessEnv;
  logger: Logger;
}): Promise<{ api: ManagementApi; url: string }> {
  const { agent, config, logger } = options;
  const tokens = resolveApiTokens(config, agent);
  const log = logger.child({ component: 'api' });
  if (tokens.length === 0) {
    log.warn('api.tokens is empty: only /healthz and /readyz (and open /metrics) answer');
  }
  const api = createManagementApi({
    target: agent,
    tokens,
    metrics: config.metrics,
    maxBodyBytes: config.maxBodyBytes,
    logger: log,
  });
  const { url } = await api.listen(resolveListen(config, options.env));
  return { api, url };
}
