export { AccessControl } from './access.js';
export {
  type Agent,
  BUSY_REPLY,
  type CreateAgentOptions,
  createAgent,
  NO_MODEL_REPLY,
  type QueueDepth,
} from './agent.js';
export {
  capOutput,
  DEFAULT_CONTEXT_WINDOW,
  runTurn,
  type TurnInput,
  type TurnOutput,
  toolDefinition,
  trimHistory,
} from './agent-loop.js';
export {
  type ApprovalDeps,
  ApprovalService,
  approvalView,
  type DecisionOutcome,
  type Destination,
  outcomeMessage,
  type ProposalRequest,
} from './approvals.js';
export { builtinCommands, collectStatus } from './commands.js';
export {
  type ContextBudget,
  estimateContextTokens,
  type FittedContext,
  fitToContext,
  messageTokens,
} from './context-budget.js';
export type {
  AgentLoopOptions,
  ApprovalOptions,
  ConversationOptions,
  MonitorOptions,
  NotificationRoute,
  PolicyRule,
  PrincipalConfig,
  QueueOptions,
} from './options.js';
export type { Readiness, ReadinessCheck } from './readiness.js';
export {
  assertPlugin,
  buildRegistry,
  type PluginEntry,
  pluginValues,
  type Registry,
} from './registry.js';
export { relativeTime, renderPlainText } from './render.js';
export { buildSystemPrompt } from './system-prompt.js';
export { createModelTriage } from './triage.js';
