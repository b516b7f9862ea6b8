export { type FakesIo, runFakes } from './cli/fakes.js';
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
  seedDemoAwsWorld,
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
  type DockerRequest,
  dockerInspectJson,
  dockerListJson,
  type FakeContainerSpec,
  type FakeDockerEngine,
  fakeDockerCliFiles,
  startFakeDockerEngine,
} from './fakes/docker-engine.js';
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
export {
  type FakeEntity,
  type FakeHaRequest,
  type FakeHaWsMessage,
  type FakeHomeAssistant,
  startFakeHomeAssistant,
} from './fakes/home-assistant.js';
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
  type FakeSignalError,
  type FakeSignalIncoming,
  type FakeSignalMode,
  type FakeSignalReaction,
  type FakeSignalRoute,
  type FakeSignalSend,
  type FakeSignalServer,
  type FakeSignalServerOptions,
  type FakeSignalTyping,
  startFakeSignalServer,
} from './fakes/signal-server.js';
export {
  apiGatewayEvent,
  appMention,
  blockActions,
  type EventCallbackOptions,
  eventCallback,
  interactiveForm,
  messageEvent,
  type PostSignedOptions,
  postSignedToSlackApp,
  type SlackSignedHeaders,
  signSlackRequest,
  slackTs,
  slashCommandForm,
} from './fakes/slack-events.js';
export {
  type FakeSlackServer,
  type FakeSlackServerOptions,
  type SlackApiCall,
  type SlackFakeFailure,
  type SlackFakeMessage,
  startFakeSlackServer,
} from './fakes/slack-server.js';
export {
  type FakeSlackSocketServer,
  type FakeSlackSocketServerOptions,
  type SocketAck,
  type SocketEnvelopeType,
  startFakeSlackSocketServer,
} from './fakes/slack-socket-server.js';
export {
  freePort,
  type SilentTcpServer,
  SSHD_PATH,
  sshdUnavailableReason,
  startSilentTcpServer,
  startTestSshd,
  type TestSshd,
  type TestSshdOptions,
} from './fakes/sshd.js';
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
