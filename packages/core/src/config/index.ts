export {
  buildConfigSchema,
  configJsonSchema,
  type PluginConfigSpec,
} from './compose.js';
export { DURATION_HINT, duration, parseDuration } from './duration.js';
export {
  ConfigError,
  type ConfigErrorCode,
  type ConfigIssue,
  formatIssues,
} from './errors.js';
export { type Expansion, expandReferences, interpolateDocument } from './interpolate.js';
export {
  type LoadConfigFileOptions,
  loadConfigFile,
  loadDotEnv,
  type ParseConfigOptions,
  parseConfig,
} from './load.js';
export {
  type ConfigRuntimeOptions,
  type CoreConfig,
  coreConfigSchema,
  toRuntimeOptions,
} from './schema.js';
