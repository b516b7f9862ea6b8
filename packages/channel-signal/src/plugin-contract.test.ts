import { describePluginContract } from '@opsagent/testkit/plugin-contract';
import { signalPlugin } from './plugin.js';

describePluginContract('signal', {
  plugin: signalPlugin,
  config: {
    apiUrl: 'http://127.0.0.1:9',
    number: '+15550000001',
    allowedSenders: ['+15550000002'],
  },
  env: {},
  invalidConfigs: [
    { name: 'a number without +', config: { number: '015112345678' }, path: ['number'] },
    {
      name: 'an allowlist entry that is a name',
      config: { allowedSenders: ['bob'] },
      path: ['allowedSenders', 0],
    },
    { name: 'a URL that is not http', config: { apiUrl: 'ftp://x' }, path: ['apiUrl'] },
    { name: 'an unknown receive mode', config: { receive: 'push' }, path: ['receive'] },
    { name: 'an unknown key', config: { numbr: '+15550000001' }, path: [] },
    {
      name: 'negative rate-limit retries',
      config: { send: { rateLimitRetries: -1 } },
      path: ['send', 'rateLimitRetries'],
    },
    {
      name: 'a retry wait over 10 minutes',
      config: { send: { maxRetryWait: '1h' } },
      path: ['send', 'maxRetryWait'],
    },
    {
      name: 'a backoff whose maxDelay is below its initialDelay',
      config: { send: { backoff: { initialDelay: '5s', maxDelay: '1s' } } },
      path: ['send', 'backoff', 'maxDelay'],
    },
  ],
});
