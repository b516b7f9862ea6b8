export {
  CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitState,
} from './circuit-breaker.js';
export {
  createRouter,
  DEFAULT_CREDENTIAL_HINTS,
  LLM_NO_MODEL,
  LLM_ROUTE_INVALID,
  type ModelAttempt,
  type ModelFactories,
  type ModelFactory,
  type ProviderStatus,
  type Router,
  type RouterOptions,
  type Sleep,
} from './router.js';
export { DEFAULT_ROUTES, type ModelRoutes, mergeRoutes, routesSchema } from './routes.js';
