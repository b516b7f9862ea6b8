import { errorMessage, OpsAgentError } from '@opsagent/core';

/** Where a store talks to, for error messages. */
export interface TableLocation {
  /** Table name. */
  table: string;
  /** Region, when known. */
  region: string | undefined;
  /** Endpoint override, when set. */
  endpoint: string | undefined;
}

/** The codes this package throws (besides the shared `STORE_CLOSED` and `STORE_DUPLICATE`). */
export type DynamoStoreErrorCode =
  | 'STORE_CONFIG_INVALID'
  | 'STORE_TABLE_MISSING'
  | 'STORE_TABLE_INVALID'
  | 'STORE_ACCESS_DENIED'
  | 'STORE_THROTTLED'
  | 'STORE_ITEM_TOO_LARGE'
  | 'STORE_VALUE_TOO_LARGE'
  | 'STORE_VALUE_CORRUPT'
  | 'STORE_UNAVAILABLE';

/** The names the SDK gives throttling errors (from the AWS error classification). */
const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'LimitExceededException',
  'TooManyRequestsException',
]);

const ACCESS_DENIED = new Set([
  'AccessDeniedException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'MissingAuthenticationTokenException',
  'ExpiredTokenException',
]);

/** `table "opsagent" in eu-west-1 (endpoint http://...)`. */
export function describeLocation(where: TableLocation): string {
  const region = where.region ? ` in ${where.region}` : '';
  const endpoint = where.endpoint ? ` at ${where.endpoint}` : '';
  return `DynamoDB table "${where.table}"${region}${endpoint}`;
}

/** The error for a table that does not exist, with the ways to create it. */
export function tableMissing(where: TableLocation, cause?: unknown): OpsAgentError {
  return new OpsAgentError(
    'STORE_TABLE_MISSING',
    `${describeLocation(where)} does not exist. Create it from examples/cloudops-bot/template.yaml ` +
      `(sam deploy), or with: aws dynamodb create-table --table-name ${where.table} ` +
      '--billing-mode PAY_PER_REQUEST --attribute-definitions AttributeName=pk,AttributeType=S ' +
      'AttributeName=sk,AttributeType=S AttributeName=gsi1pk,AttributeType=S ' +
      'AttributeName=gsi1sk,AttributeType=S --key-schema AttributeName=pk,KeyType=HASH ' +
      'AttributeName=sk,KeyType=RANGE --global-secondary-indexes ' +
      "'IndexName=gsi1,KeySchema=[{AttributeName=gsi1pk,KeyType=HASH},{AttributeName=gsi1sk,KeyType=RANGE}],Projection={ProjectionType=KEYS_ONLY}' " +
      `(then enable TTL on the attribute "ttl"); or, for development, set store.createTable: true ` +
      '(see docs/store-dynamodb.md)',
    { category: 'user', cause, details: { ...where } },
  );
}

/**
 * Maps an SDK error (after the SDK's own retries) to a coded {@link OpsAgentError} naming the
 * table and the fix. `operation` is the DynamoDB action, e.g. `PutItem`.
 */
export function toStoreError(
  error: unknown,
  operation: string,
  where: TableLocation,
): OpsAgentError {
  if (error instanceof OpsAgentError) return error;
  const name = (error as { name?: unknown } | undefined)?.name;
  const attempts = (error as { $metadata?: { attempts?: number } } | undefined)?.$metadata
    ?.attempts;
  const details = { ...where, operation, awsError: typeof name === 'string' ? name : undefined };
  const location = describeLocation(where);
  if (name === 'ResourceNotFoundException') return tableMissing(where, error);
  if (name === 'CredentialsProviderError') {
    return new OpsAgentError(
      'STORE_ACCESS_DENIED',
      `${location}: no AWS credentials found (${errorMessage(error)}); set AWS_ACCESS_KEY_ID and ` +
        'AWS_SECRET_ACCESS_KEY or AWS_PROFILE, or run with an IAM role',
      { category: 'user', cause: error, details },
    );
  }
  if (typeof name === 'string' && ACCESS_DENIED.has(name)) {
    return new OpsAgentError(
      'STORE_ACCESS_DENIED',
      `${location}: dynamodb:${operation} was refused (${name}: ${errorMessage(error)}). Grant the ` +
        `role dynamodb:${operation} on the table and its indexes (the policy in docs/store-dynamodb.md ` +
        'lists every action the store uses) and check the credentials and region.',
      { category: 'user', cause: error, details },
    );
  }
  if (typeof name === 'string' && THROTTLING.has(name)) {
    return new OpsAgentError(
      'STORE_THROTTLED',
      `${location}: ${operation} still throttled (${name}) after ${attempts ?? 'several'} attempts; ` +
        'raise the table capacity, use on-demand billing, or raise store.maxAttempts',
      { category: 'third-party', retryable: true, cause: error, details },
    );
  }
  if (name === 'ValidationException' && /item size|size has exceeded/i.test(errorMessage(error))) {
    return new OpsAgentError(
      'STORE_ITEM_TOO_LARGE',
      `${location}: ${operation} refused an item over DynamoDB's 400 KB limit (${errorMessage(error)})`,
      { category: 'user', cause: error, details },
    );
  }
  // Client-side faults (4xx: a bad request) will fail again; 5xx and network errors may not.
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata
    ?.httpStatusCode;
  return new OpsAgentError(
    'STORE_UNAVAILABLE',
    `${location}: ${operation} failed: ${typeof name === 'string' ? `${name}: ` : ''}${errorMessage(error)}`,
    {
      category: 'third-party',
      retryable: status === undefined || status >= 500,
      cause: error,
      details: { ...details, httpStatusCode: status },
    },
  );
}

/** True for the SDK's ConditionalCheckFailedException (a lost race, not a failure). */
export function isConditionFailed(error: unknown): boolean {
  return (error as { name?: unknown } | undefined)?.name === 'ConditionalCheckFailedException';
}
