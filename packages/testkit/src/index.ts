export {
  createFakeChannel,
  type FakeChannel,
  type FakeChannelOptions,
  type FakeSent,
  type InjectOptions,
} from './fake-channel.js';
export {
  type FakeAnthropicError,
  type FakeAnthropicMessage,
  type FakeAnthropicServer,
  type FakeAnthropicStep,
  type FakeAnthropicToolUse,
  type FakeAnthropicUsage,
  startFakeAnthropicServer,
} from './fakes/anthropic-server.js';
export {
  type AwsFault,
  emptyAwsWorld,
  type FakeAmplifyApp,
  type FakeAmplifyBranch,
  type FakeAmplifyJob,
  type FakeAws,
  type FakeAwsCall,
  type FakeAwsOptions,
  type FakeAwsService,
  type FakeAwsWorld,
  type FakeEmail,
  type FakeInstance,
  type FakeLogEvent,
  startFakeAws,
} from './fakes/aws/index.js';
export {
  bedrockModelIdOf,
  type FakeBedrockError,
  type FakeBedrockMessage,
  type FakeBedrockServer,
  type FakeBedrockStep,
  type FakeBedrockToolUse,
  type FakeBedrockUsage,
  startFakeBedrockServer,
} from './fakes/bedrock-server.js';
export {
  createGeminiServer,
  type GeminiFakeCall,
  type GeminiFakeReply,
  type GeminiFakeRequest,
  type GeminiFakeRequestBody,
  type GeminiFakeUsage,
  type GeminiServer,
  type GeminiServerOptions,
  geminiError,
  geminiErrorBody,
  geminiRateLimited,
} from './fakes/gemini-server.js';
export type { FakeHttpError, HttpFake, RecordedRequest } from './fakes/http-fake.js';
export {
  type FakeOpenAIError,
  type FakeOpenAIMessage,
  type FakeOpenAIServer,
  type FakeOpenAIStep,
  type FakeOpenAIToolCall,
  type FakeOpenAIUsage,
  startFakeOpenAIServer,
} from './fakes/openai-server.js';
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
