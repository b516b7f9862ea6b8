export { seedDemoAwsWorld } from './demo.js';
export type { AwsFault } from './protocol.js';
export {
  type FakeAws,
  type FakeAwsCall,
  type FakeAwsOptions,
  type FakeAwsService,
  startFakeAws,
} from './server.js';
export {
  emptyAwsWorld,
  type FakeAmplifyApp,
  type FakeAmplifyBranch,
  type FakeAmplifyJob,
  type FakeAwsWorld,
  type FakeEmail,
  type FakeInstance,
  type FakeLogEvent,
} from './world.js';
