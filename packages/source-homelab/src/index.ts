export {
  type ContainerFindingOptions,
  type ContainerHealth,
  type ContainerInfo,
  type ContainerState,
  containerFindings,
  isContainerHealthy,
  parseInspect,
  type RestartLoopOptions,
  RestartTracker,
  uptimeSeconds,
} from './docker/container.js';
export {
  demuxDockerStream,
  type LogFrame,
  type LogStream,
  muxDockerStream,
} from './docker/demux.js';
export {
  assertContainerName,
  createDockerEngineClient,
  type DockerEngine,
  type DockerEngineOptions,
  type LogOptions,
  logText,
} from './docker/engine.js';
export { type ContextFile, contextFilesText, readContextFiles } from './fleet/context-files.js';
export { Fleet, type FleetMember, type FleetOptions, type HostState } from './fleet/fleet.js';
export { fleetFindings, fleetSection, hostLine } from './fleet/report.js';
export { createFleetSource, type FleetSourceOptions } from './fleet/source.js';
export {
  createLocalTarget,
  createSshTarget,
  type HostReading,
  type HostTarget,
  type LocalTargetOptions,
  type RunOptions,
  runLocal,
  type SshTargetOptions,
} from './fleet/target.js';
export {
  createHomeAssistantClient,
  type EntityState,
  findEntities,
  friendlyName,
  type HomeAssistant,
  type HomeAssistantOptions,
} from './ha/client.js';
export {
  createHomeAssistantSource,
  type EntityWatch,
  type HomeAssistantSourceOptions,
  watchFindings,
} from './ha/watch.js';
export {
  HomeAssistantWatcher,
  type HomeAssistantWatcherOptions,
  type WatcherStatus,
} from './ha/websocket.js';
export {
  createHomelabPlugin,
  HOMELAB_DEFAULT_POLICY,
  type HomelabConfig,
  type HomelabPluginOverrides,
  homelabConfigSchema,
  homelabPlugin,
} from './homelab-plugin.js';
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
  readNetworkCounters,
  realDisks,
  type SystemCollectorOptions,
  temperatureOf,
} from './local/collect.js';
export {
  diskValue,
  formatBytes,
  formatDuration,
  formatPercent,
  formatRate,
  maskSecretArgs,
  networkFields,
  networkTotal,
  snapshotFields,
  snapshotSection,
  snapshotText,
} from './local/format.js';
export {
  type InterfaceCounters,
  type InterfaceRate,
  isVirtualInterface,
  type NetworkCounters,
  NetworkMeter,
  type NetworkRates,
  networkRates,
  parseProcNetDev,
} from './local/network.js';
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
export {
  createFleetRemediations,
  createHomeAssistantParts,
  DEFAULT_HA_DOMAINS,
  type FleetRemediationOptions,
  type HomeAssistantPartsOptions,
} from './remediations/remediations.js';
export { parseRemoteSnapshot, type RemoteDocker, SNAPSHOT_SCRIPT } from './remote/snapshot.js';
export {
  type CommandResult,
  type ExecOptions,
  SshHost,
  type SshHostConfig,
  type SshTimings,
} from './ssh/connection.js';
export { fingerprint, loadKnownHosts, parseKnownHosts, verifyHostKey } from './ssh/known-hosts.js';
export { shellCommand, shellQuote } from './ssh/quote.js';
export { createFleetTools, type FleetToolsOptions } from './tools/fleet-tools.js';
export {
  type ArgKind,
  type CommandTemplate,
  DEFAULT_READONLY_COMMANDS,
  type ResolvedCommand,
  resolveReadonlyCommand,
} from './tools/readonly-commands.js';
