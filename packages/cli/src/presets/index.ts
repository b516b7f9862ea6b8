import { awsMonitorPreset } from './aws-monitor.js';
import { homelabSrePreset } from './homelab-sre.js';
import { localPreset } from './local.js';
import type { Preset } from './preset.js';

export { awsMonitorPreset } from './aws-monitor.js';
export { homelabSrePreset } from './homelab-sre.js';
export { consolePlugin, localPreset } from './local.js';
export type { Preset, RunMode } from './preset.js';

/** The built-in presets by name. */
export const presets: Readonly<Record<string, Preset>> = Object.freeze({
  [localPreset.name]: localPreset,
  [awsMonitorPreset.name]: awsMonitorPreset,
  [homelabSrePreset.name]: homelabSrePreset,
});
