export {
  type CpuSnapshot,
  createSystemCollector,
  type DiskSnapshot,
  type HostCollector,
  type HostInfo,
  type HostSnapshot,
  type LoadAverages,
  type MemorySnapshot,
  memoryOf,
  type ProcessInfo,
  type ProcessList,
  type ProcessSort,
  realDisks,
  type SystemCollectorOptions,
  temperatureOf,
} from './local/collect.js';
export {
  diskValue,
  formatBytes,
  formatDuration,
  formatPercent,
  maskSecretArgs,
  snapshotFields,
  snapshotSection,
  snapshotText,
} from './local/format.js';
export {
  createLocalHostSource,
  hostContext,
  hostFindings,
  type LocalHostSource,
  type LocalHostSourceOptions,
} from './local/source.js';
export {
  DEFAULT_THRESHOLDS,
  type HostThresholds,
  healthOf,
  type Limit,
  type PartialThresholds,
  resolveThresholds,
} from './local/thresholds.js';
export {
  createLocalHostTools,
  diskForPath,
  diskUsageInput,
  hostStatusInput,
  type LocalHostToolsOptions,
  topProcessesInput,
} from './local/tools.js';
export {
  createLocalHostPlugin,
  type LocalHostConfig,
  type LocalHostPluginOverrides,
  localHostConfigSchema,
  localHostPlugin,
} from './plugin.js';
