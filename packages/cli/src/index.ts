export { type DoctorOptions, runDoctor } from './doctor.js';
export {
  createStore,
  knownPlugins,
  type LoadedConfig,
  type LoadOptions,
  loadAgent,
  loadConfig,
} from './load.js';
export { type CliIo, renderStatus, runCli } from './main.js';
export { consolePlugin, localPreset, type Preset, presets, type RunMode } from './presets/index.js';
export { resolveApiTokens, startApi } from './serve-api.js';
