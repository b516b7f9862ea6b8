// A built-in preset is a value: take its plugins and add your own.
import { definePlugin, type PluginEntry } from '@opsagent/core';
import { type Preset, presets } from 'opsagent';

const team = definePlugin({ name: 'team-runbook', setup: () => ({}) });

/** `homelab-sre` plus a plugin of ours, under a new name. */
export const myPreset: Preset = {
  ...(presets['homelab-sre'] as Preset),
  name: 'my-homelab',
  plugins(sections, mode): PluginEntry[] {
    return [...(presets['homelab-sre'] as Preset).plugins(sections, mode), { plugin: team }];
  },
};
