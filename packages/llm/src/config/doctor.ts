import Anthropic from '@anthropic-ai/sdk';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { GoogleGenAI } from '@google/genai';
import { errorMessage, type HealthCheck, type HealthCheckResult } from '@opsagent/core';
import OpenAI from 'openai';
import { bedrockSettings } from '../providers/bedrock.js';
import type { ResolvedProvider } from './providers.js';

const PROBE_TIMEOUT_MS = 8_000;

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' ? status : undefined;
}

/** Lists models (a free call) to see that the endpoint answers and accepts the key. */
async function listModels(provider: ResolvedProvider, signal: AbortSignal): Promise<void> {
  const { config, env } = provider;
  switch (provider.type) {
    case 'anthropic': {
      const client = new Anthropic({
        apiKey: config.apiKey ?? env.ANTHROPIC_API_KEY ?? '',
        baseURL: provider.baseURL || 'https://api.anthropic.com',
        maxRetries: 0,
        timeout: PROBE_TIMEOUT_MS,
        logLevel: 'off',
      });
      await client.models.list({ limit: 1 }, { signal });
      return;
    }
    case 'openai': {
      const client = new OpenAI({
        apiKey: config.apiKey ?? env.OPENAI_API_KEY ?? 'opsagent-no-key',
        baseURL: provider.baseURL || 'https://api.openai.com/v1',
        maxRetries: 0,
        timeout: PROBE_TIMEOUT_MS,
        logLevel: 'off',
      });
      await client.models.list({ signal });
      return;
    }
    case 'google': {
      const client = new GoogleGenAI({
        apiKey: config.apiKey ?? env.GOOGLE_API_KEY ?? env.GEMINI_API_KEY ?? '',
        vertexai: false,
        httpOptions: {
          baseUrl: provider.baseURL || 'https://generativelanguage.googleapis.com',
          timeout: PROBE_TIMEOUT_MS,
        },
      });
      await client.models.list({ config: { pageSize: 1, abortSignal: signal } });
      return;
    }
    case 'bedrock':
      return;
  }
}

/** Bedrock: do the credentials resolve? (Converse costs tokens, so the endpoint is not called.) */
async function bedrockCheck(provider: ResolvedProvider): Promise<HealthCheckResult> {
  const { config } = provider;
  const settings = bedrockSettings({
    ...(config.region ? { region: config.region } : {}),
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.accessKeyId && config.secretAccessKey
      ? {
          credentials: {
            accessKeyId: config.accessKeyId,
            secretAccessKey: config.secretAccessKey,
          },
        }
      : {}),
    env: provider.env,
  });
  const client = new BedrockRuntimeClient({
    region: settings.region,
    credentials: settings.credentials,
    ignoreConfiguredEndpointUrls: true,
  });
  try {
    const identity = await client.config.credentials();
    return {
      status: 'ok',
      detail: `AWS credentials resolve (${settings.credentialSource}, key ${identity.accessKeyId.slice(0, 4)}…), region ${settings.region}${settings.endpoint ? `, endpoint ${settings.endpoint}` : ''}; endpoint not checked (every Bedrock runtime call costs tokens)`,
    };
  } catch (error) {
    return {
      status: 'fail',
      detail: `no AWS credentials: ${errorMessage(error)}; set ${provider.credentialHint}`,
    };
  } finally {
    client.destroy();
  }
}

/** One `opsagent doctor` line per provider: credential present, endpoint reachable. */
export function providerCheck(provider: ResolvedProvider): HealthCheck {
  return {
    name: `llm ${provider.name}`,
    async run({ signal }): Promise<HealthCheckResult> {
      if (provider.type === 'bedrock') return bedrockCheck(provider);
      const where = provider.baseURL ?? 'the vendor endpoint';
      if (provider.credential === undefined) {
        return { status: 'fail', detail: `no API key: set ${provider.credentialHint}` };
      }
      const key = `key from ${provider.credential}`;
      try {
        await listModels(provider, signal);
        return { status: 'ok', detail: `${key}; ${where} reachable (models list answered)` };
      } catch (error) {
        const status = statusOf(error);
        if (status === 401 || status === 403) {
          return {
            status: 'fail',
            detail: `${where} rejected the key (HTTP ${status}): check ${provider.credentialHint}`,
          };
        }
        if (status !== undefined) {
          return {
            status: 'warn',
            detail: `${key}; ${where} reachable, but its models list answered HTTP ${status}`,
          };
        }
        return { status: 'fail', detail: `${where} unreachable: ${errorMessage(error)}` };
      }
    },
  };
}
