export { type BackoffOptions, backoffDelay } from '@opsagent/core';
export { type About, type SendOutcome, SignalApi, type SignalApiOptions } from './api.js';
export {
  createSignalChannel,
  isSignalId,
  parseAllowedSenders,
  type ReceiveMode,
  type SignalChannel,
  type SignalChannelOptions,
} from './channel.js';
export { type Classified, classifyFrame, type EnvelopeSender, groupRecipient } from './envelope.js';
export {
  type ResolvedSignalSettings,
  resolveSignalSettings,
  type SignalConfig,
  signalChannelOptions,
  signalConfigSchema,
  signalPlugin,
} from './plugin.js';
export {
  escapeStyled,
  markdownToSignal,
  type RenderedPart,
  renderApproval,
  renderMessage,
  splitText,
  type TextMode,
} from './render.js';
