import { awsMonitorPreset } from './aws-monitor.js';
import { cloudopsBotPreset } from './cloudops-bot.js';
import { homelabSrePreset } from './homelab-sre.js';
import { localPreset } from './local.js';
import type { Preset } from './preset.js';

export { awsMonitorPreset } from './aws-monitor.js';
export { cloudopsBotPreset } from './cloudops-bot.js';
export { homelabSrePreset } from './homelab-sre.js';
export { consolePlugin, localPreset } from './local.js';
export type { Preset, RunMode } from './preset.js';

/** The built-in presets by name. */
export const presets: Readonly<Record<string, Preset>> = Object.freeze({
  [localPreset.name]: localPreset,
  [homelabSrePreset.name]: homelabSrePreset,
  [awsMonitorPreset.name]: awsMonitorPreset,
  [cloudopsBotPreset.name]: cloudopsBotPreset,
});
