export {
  createSlackChannel,
  type LambdaEvent,
  type LambdaResponse,
  type SlackAllowlist,
  type SlackChannel,
  type SlackChannelOptions,
  type SlackLambdaHandler,
  type SlackMode,
} from './channel.js';
export { escapeMrkdwn, markdownToMrkdwn, SLACK_TEXT_LIMIT, splitMrkdwn } from './mrkdwn.js';
export {
  type SlackConfig,
  slackChannelFromConfig,
  slackConfigSchema,
  slackPlugin,
} from './plugin.js';
export {
  APPROVE_ACTION,
  approvalBlocks,
  REJECT_ACTION,
  renderForSlack,
  type SlackBlock,
  type SlackPayload,
  sectionBlocks,
} from './render.js';
