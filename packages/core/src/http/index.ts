export { type ApiToken, BearerAuth } from './auth.js';
export {
  type ApiConfig,
  apiConfigSchema,
  DEFAULT_API_LISTEN,
  type ListenAddress,
  MIN_TOKEN_LENGTH,
  parseListen,
  resolveListen,
} from './config.js';
export {
  createManagementApi,
  type ManagementApi,
  type ManagementApiOptions,
  type ManagementTarget,
} from './server.js';
