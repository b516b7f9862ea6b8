import { describePluginContract } from '@opsagent/testkit/plugin-contract';
import { localHostPlugin } from './plugin.js';

describePluginContract('local-host', {
  plugin: localHostPlugin,
  config: { cacheTtl: 1000, thresholds: { disk: { warn: 80, critical: 95 } } },
  invalidConfigs: [
    { name: 'a negative cache time', config: { cacheTtl: -1 }, path: ['cacheTtl'] },
    {
      name: 'warn above critical',
      config: { thresholds: { memory: { warn: 99, critical: 90 } } },
      path: ['thresholds', 'memory', 'warn'],
    },
    { name: 'an unknown key', config: { cachettl: 5 }, path: [] },
  ],
  toolInputs: { host_status: [{}], top_processes: [{}], disk_usage: [{}] },
  runTools: true,
  runSources: true,
});
