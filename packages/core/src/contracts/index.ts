export type {
  Address,
  ApprovalAction,
  Channel,
  ChannelRuntime,
  InboundMessage,
  Sender,
  SentMessage,
} from './channel.js';
export { type Command, type CommandContext, defineCommand } from './command.js';
export type { HealthCheck, HealthCheckResult } from './health-check.js';
export type {
  LanguageModel,
  ModelMessage,
  ModelRequest,
  ModelResponse,
  ModelTask,
  StopReason,
  TokenUsage,
  ToolCall,
  ToolCallResult,
  ToolDefinition,
  UsageAttribution,
} from './language-model.js';
export type { LogFn, Logger } from './logger.js';
export {
  type ApprovalView,
  type Block,
  type DecisionNote,
  type Field,
  type Health,
  type OutboundMessage,
  type Section,
  textMessage,
} from './message.js';
export {
  definePlugin,
  type Plugin,
  type PluginContext,
  type PluginContributions,
  type PluginValues,
} from './plugin.js';
export {
  defineRemediation,
  type Remediation,
  type RemediationContext,
  type RemediationResult,
  type Risk,
} from './remediation.js';
export { hasRole, type Principal, ROLES, type Role } from './roles.js';
export type { Finding, Severity, Source, SourceContext, StatusReport } from './source.js';
export type {
  Actor,
  ApprovalRecord,
  ApprovalStatus,
  AuditRecord,
  ConversationRecord,
  IncidentRecord,
  IncidentStatus,
  Store,
  StoredMessage,
} from './store.js';
export { defineTool, type Tool, type ToolContext, type ToolResult } from './tool.js';
