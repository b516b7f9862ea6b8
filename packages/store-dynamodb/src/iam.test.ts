import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DYNAMODB_ACTIONS,
  DYNAMODB_CREATE_TABLE_ACTIONS,
  dynamoStorePolicyStatement,
} from './iam.js';

/** The DynamoDB commands a source file sends (`new XCommand(`). */
function commandsIn(file: string): string[] {
  const text = readFileSync(new URL(file, import.meta.url), 'utf8');
  return [...text.matchAll(/new (\w+)Command\(/g)].map((m) => `dynamodb:${m[1]}`);
}

describe('IAM actions of the DynamoDB store', () => {
  it('lists exactly the actions the store sends, and the table-creation ones apart', () => {
    const running = new Set(commandsIn('./dynamo-store.ts'));
    const setup = new Set(commandsIn('./table.ts'));
    expect([...running].sort()).toEqual(
      DYNAMODB_ACTIONS.filter((a) => a !== 'dynamodb:DescribeTable').sort(),
    );
    expect([...setup].sort()).toEqual(
      [
        'dynamodb:DescribeTable',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        ...DYNAMODB_CREATE_TABLE_ACTIONS,
      ].sort(),
    );
    // Everything init needs outside table creation is in the running set.
    for (const action of setup) {
      if (!(DYNAMODB_CREATE_TABLE_ACTIONS as readonly string[]).includes(action)) {
        expect(DYNAMODB_ACTIONS).toContain(action);
      }
    }
  });

  it('scopes the statement to the table and its index', () => {
    const arn = 'arn:aws:dynamodb:eu-west-1:123456789012:table/opsagent';
    const statement = dynamoStorePolicyStatement(arn);
    expect(statement.Resource).toEqual([arn, `${arn}/index/gsi1`]);
    expect(statement.Action).not.toContain('dynamodb:CreateTable');
    expect(statement.Action.every((a) => !a.includes('*'))).toBe(true);
    expect(dynamoStorePolicyStatement(arn, { createTable: true }).Action).toContain(
      'dynamodb:CreateTable',
    );
  });
});
