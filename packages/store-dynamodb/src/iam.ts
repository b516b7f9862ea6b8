import { GSI1 } from './layout.js';

/** The DynamoDB actions a running {@link DynamoStore} calls: grant exactly these. */
export const DYNAMODB_ACTIONS = [
  'dynamodb:DescribeTable',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:Query',
  'dynamodb:BatchGetItem',
  'dynamodb:BatchWriteItem',
] as const;

/** The extra actions `createTable: true` needs (development only). */
export const DYNAMODB_CREATE_TABLE_ACTIONS = [
  'dynamodb:CreateTable',
  'dynamodb:UpdateTimeToLive',
] as const;

/** One IAM policy statement. */
export interface IamStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string[];
}

/**
 * The least-privilege IAM statement for a store on the table `tableArn`
 * (`arn:aws:dynamodb:<region>:<account>:table/<name>`): the actions above on the table and its
 * index, nothing else. With `createTable`, the table-creation actions are added.
 */
export function dynamoStorePolicyStatement(
  tableArn: string,
  options: { createTable?: boolean } = {},
): IamStatement {
  return {
    Sid: 'OpsagentStore',
    Effect: 'Allow',
    Action: [...DYNAMODB_ACTIONS, ...(options.createTable ? DYNAMODB_CREATE_TABLE_ACTIONS : [])],
    Resource: [tableArn, `${tableArn}/index/${GSI1}`],
  };
}
