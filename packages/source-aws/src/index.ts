export {
  AWS_ENDPOINT_ENV_SUFFIX,
  type EnvCredentials,
  envCredentials,
  envEndpoint,
} from './aws-env.js';
export {
  type AmplifyBranchSummary,
  AmplifyChecker,
  type AmplifyCheckResult,
  type AmplifyFindingData,
  newestFirst,
} from './checks/amplify.js';
export {
  checkEc2Region,
  type Ec2CheckResult,
  type Ec2FindingData,
  type Ec2FindingKind,
  type Ec2RegionSummary,
} from './checks/ec2.js';
export {
  type LogFindingData,
  LogGroupWatcher,
  type LogWindowResult,
  readLogEvents,
  type WatchedGroup,
} from './checks/logs.js';
export {
  AwsAccount,
  AwsAccounts,
  type AwsClientOptions,
  type AwsCredentialProvider,
  type AwsCredentials,
  type AwsService,
  assumeRoleCredentials,
} from './clients.js';
export {
  type AwsAccountConfig,
  type AwsConfig,
  awsAccountSchema,
  awsConfigSchema,
  logGroupWatchSchema,
} from './config.js';
export {
  awsIamPolicy,
  type IamPolicy,
  type IamPolicyExtras,
  type IamStatement,
} from './iam-policy.js';
export { createSesEmailChannel, renderEmail, type SesEmailChannelOptions } from './notify/email.js';
export {
  type AwsPluginOverrides,
  awsEmailConfigSchema,
  awsEmailPlugin,
  awsPlugin,
  createAwsAccounts,
  createAwsEmailPlugin,
  createAwsHealthChecks,
  createAwsPlugin,
  createAwsTools,
} from './plugin.js';
export { createAwsRemediations, type VerifyTiming } from './remediations/index.js';
export {
  type AwsSourcesOptions,
  createAmplifySource,
  createEc2Source,
  createLogsSource,
  watchedGroups,
} from './source.js';
export { createAmplifyTools } from './tools/amplify.js';
export { createEc2Tools } from './tools/ec2.js';
export { createLogsTools, ERROR_PATTERN } from './tools/logs.js';
export {
  createCloudWatchTools,
  createEcsTools,
  createLambdaTools,
  createRdsTools,
} from './tools/more.js';
