import { awsMonitorPreset } from './aws-monitor.js';
import { cloudopsBotPreset } from './cloudops-bot.js';
import { localPreset } from './local.js';
import type { Preset } from './preset.js';

export { awsMonitorPreset } from './aws-monitor.js';
export { cloudopsBotPreset } from './cloudops-bot.js';
export { consolePlugin, localPreset } from './local.js';
export type { Preset, RunMode } from './preset.js';

/** The built-in presets by name. */
export const presets: Readonly<Record<string, Preset>> = Object.freeze({
  [localPreset.name]: localPreset,
  [awsMonitorPreset.name]: awsMonitorPreset,
  [cloudopsBotPreset.name]: cloudopsBotPreset,
});
