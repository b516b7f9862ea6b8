export { renderConfigReference } from './config-reference.js';
export { type DoctorOptions, runDoctor } from './doctor.js';
export {
  createStore,
  knownPlugins,
  type LoadedConfig,
  type LoadOptions,
  loadAgent,
  loadConfig,
  loadModules,
} from './load.js';
export { type CliIo, renderStatus, runCli } from './main.js';
export { importPluginModules } from './modules.js';
export {
  consolePlugin,
  homelabSrePreset,
  localPreset,
  type Preset,
  presets,
  type RunMode,
} from './presets/index.js';
export { resolveApiTokens, startApi } from './serve-api.js';
