export {
  createFakeChannel,
  type FakeChannel,
  type FakeChannelOptions,
  type FakeSent,
  type InjectOptions,
} from './fake-channel.js';
export {
  callTool,
  callTools,
  createScriptedModel,
  reply,
  type ScriptedModel,
  type ScriptStep,
} from './scripted-model.js';
export {
  createTestAgent,
  TEST_PRINCIPALS,
  type TestAgent,
  type TestAgentOptions,
} from './test-agent.js';
