export * from './config/index.js';
export * from './console/index.js';
export * from './contracts/index.js';
export * from './digest/index.js';
export {
  type ErrorCategory,
  errorMessage,
  isOpsAgentError,
  OpsAgentError,
  type OpsAgentErrorOptions,
} from './errors.js';
export * from './http/index.js';
export { createLogger, type LoggerOptions, type LogLevel, silentLogger } from './logging/logger.js';
export { SECRET_KEYS, SecretRedactor } from './logging/redact.js';
export * from './metrics/index.js';
export * from './monitor/index.js';
export * from './runtime/index.js';
export * from './store/index.js';
export {
  type AwsChainInit,
  type AwsDefaultProvider,
  type AwsEnv,
  type AwsEnvCredentialResult,
  type AwsEnvCredentials,
  awsEnvCredentials,
  awsEnvEndpoint,
} from './util/aws-env.js';
export { type BackoffOptions, backoffCeiling, backoffDelay } from './util/backoff.js';
export { type Clock, createManualClock, type ManualClock, systemClock } from './util/clock.js';
export { shortId } from './util/ids.js';
export { findSecret, resolveSecret, type SecretSource } from './util/secrets.js';
export { withTimeout } from './util/timeout.js';
