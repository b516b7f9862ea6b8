export {
  DEFAULT_RETENTION_MS,
  type DynamoStoreConfig,
  type DynamoStoreConfigInput,
  dynamoStoreConfigSchema,
} from './config.js';
export { DynamoStore, type DynamoStoreOptions } from './dynamo-store.js';
export type { DynamoStoreErrorCode, TableLocation } from './errors.js';
export {
  DYNAMODB_ACTIONS,
  DYNAMODB_CREATE_TABLE_ACTIONS,
  dynamoStorePolicyStatement,
  type IamStatement,
} from './iam.js';
export { GSI1, TTL_ATTRIBUTE, tableDefinition } from './layout.js';
export { MAX_VALUE_BYTES } from './value-parts.js';
