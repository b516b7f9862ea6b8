import { readFileSync } from 'node:fs';
import { parseConfig } from '@opsagent/core';
import { DYNAMODB_ACTIONS, TTL_ATTRIBUTE, tableDefinition } from '@opsagent/store-dynamodb';
import { describe, expect, it } from 'vitest';
import { type CollectionTag, parse, type ScalarTag } from 'yaml';

const file = (name: string) =>
  readFileSync(new URL(`../../examples/cloudops-bot/${name}`, import.meta.url), 'utf8');

/**
 * CloudFormation's short-form intrinsic functions as YAML tags, each read into its long form
 * (`!Ref X` -> `{ Ref: X }`, `!GetAtt A.B` -> `{ 'Fn::GetAtt': ['A', 'B'] }`, `!Sub [..]`, ...).
 */
function cloudFormationTags(): (ScalarTag | CollectionTag)[] {
  const functions = [
    'And',
    'Base64',
    'Cidr',
    'Equals',
    'FindInMap',
    'GetAZs',
    'If',
    'ImportValue',
    'Join',
    'Not',
    'Or',
    'Select',
    'Split',
    'Sub',
  ];
  const tags: (ScalarTag | CollectionTag)[] = [
    { tag: '!Ref', resolve: (value: string) => ({ Ref: value }) },
    { tag: '!Condition', resolve: (value: string) => ({ Condition: value }) },
    {
      tag: '!GetAtt',
      resolve: (value: string) => ({ 'Fn::GetAtt': value.split('.') }),
    },
    {
      tag: '!GetAtt',
      collection: 'seq',
      resolve: (value) => ({ 'Fn::GetAtt': value.toJSON() }),
    } as CollectionTag,
  ];
  for (const name of functions) {
    tags.push({ tag: `!${name}`, resolve: (value: string) => ({ [`Fn::${name}`]: value }) });
    for (const collection of ['seq', 'map'] as const) {
      tags.push({
        tag: `!${name}`,
        collection,
        resolve: (value) => ({ [`Fn::${name}`]: value.toJSON() }),
      } as CollectionTag);
    }
  }
  return tags;
}

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  NotAction?: unknown;
  NotResource?: unknown;
}

type Resource = { Type: string; Properties: Record<string, unknown>; Condition?: string };

const template = parse(file('template.yaml'), { customTags: cloudFormationTags() }) as {
  Transform: string;
  Parameters: Record<string, { NoEcho?: boolean }>;
  Resources: Record<string, Resource>;
};

const resources = template.Resources;
const role = resources.BotRole!.Properties as {
  Policies: unknown[];
  ManagedPolicyArns?: unknown[];
  AssumeRolePolicyDocument: { Statement: Statement[] };
};

/** Every policy, the Bedrock one taken out of its `Fn::If` (with its condition). */
function policies(): { name: string; condition?: string; statements: Statement[] }[] {
  return role.Policies.map((entry) => {
    const conditional = (entry as { 'Fn::If'?: [string, unknown, unknown] })['Fn::If'];
    const policy = (conditional ? conditional[1] : entry) as {
      PolicyName: string;
      PolicyDocument: { Statement: Statement[] };
    };
    if (conditional) expect(conditional[2]).toEqual({ Ref: 'AWS::NoValue' });
    return {
      name: policy.PolicyName,
      ...(conditional ? { condition: conditional[0] } : {}),
      statements: policy.PolicyDocument.Statement,
    };
  });
}

const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const READ_ONLY = /^(ec2|logs|amplify|ecs|rds|lambda|cloudwatch):(Describe|List|Get|Filter)\w+$/;

describe('examples/cloudops-bot/template.yaml', () => {
  it('is a SAM template with a table that has the store layout and TTL on its ttl attribute', () => {
    expect(template.Transform).toBe('AWS::Serverless-2016-10-31');
    const table = resources.StateTable!;
    expect(table.Type).toBe('AWS::DynamoDB::Table');
    const expected = tableDefinition('ignored');
    expect(table.Properties.BillingMode).toBe(expected.BillingMode);
    expect(table.Properties.KeySchema).toEqual(expected.KeySchema);
    expect(table.Properties.AttributeDefinitions).toEqual(expected.AttributeDefinitions);
    expect(table.Properties.GlobalSecondaryIndexes).toEqual(expected.GlobalSecondaryIndexes);
    expect(table.Properties.TimeToLiveSpecification).toEqual({
      AttributeName: TTL_ATTRIBUTE,
      Enabled: true,
    });
  });

  it('runs the Lambda behind an HTTP API with the table name and secrets from parameters', () => {
    const fn = resources.BotFunction!;
    expect(fn.Type).toBe('AWS::Serverless::Function');
    expect(fn.Properties.Role).toEqual({ 'Fn::GetAtt': ['BotRole', 'Arn'] });
    expect(fn.Properties.Policies).toBeUndefined();
    const env = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env.OPSAGENT_TABLE).toEqual({ Ref: 'StateTable' });
    expect(env.SLACK_SIGNING_SECRET).toEqual({ Ref: 'SlackSigningSecret' });
    const events = fn.Properties.Events as Record<string, { Type: string; Properties: unknown }>;
    expect(events.SlackEvents).toEqual({
      Type: 'HttpApi',
      Properties: { ApiId: { Ref: 'SlackApi' }, Path: '/slack/events', Method: 'POST' },
    });
    expect(resources.SlackApi?.Type).toBe('AWS::Serverless::HttpApi');
    for (const secret of ['SlackBotToken', 'SlackSigningSecret', 'AnthropicApiKey']) {
      expect(template.Parameters[secret]?.NoEcho).toBe(true);
    }
  });

  it('grants only what is needed: no wildcard actions, no managed policies, "*" only for reads', () => {
    expect(role.ManagedPolicyArns ?? []).toEqual([]);
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'lambda.amazonaws.com' },
        Action: 'sts:AssumeRole',
      },
    ]);
    const all = policies().flatMap((p) => p.statements);
    expect(all.length).toBeGreaterThan(0);
    for (const statement of all) {
      expect(statement.Effect).toBe('Allow');
      expect(statement.NotAction).toBeUndefined();
      expect(statement.NotResource).toBeUndefined();
      for (const action of actions(statement)) expect(action).not.toContain('*');
      if (statement.Resource === '*') {
        for (const action of actions(statement)) expect(action).toMatch(READ_ONLY);
      }
    }
  });

  it('gives the store exactly its actions on its own table and index', () => {
    const [statement, ...rest] = policies().find((p) => p.name === 'state-table')!.statements;
    expect(rest).toEqual([]);
    expect(actions(statement!).sort()).toEqual([...DYNAMODB_ACTIONS].sort());
    expect(statement!.Resource).toEqual([
      { 'Fn::GetAtt': ['StateTable', 'Arn'] },
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation !Sub placeholder.
      { 'Fn::Sub': '${StateTable.Arn}/index/gsi1' },
    ]);
    // No other statement touches DynamoDB.
    const elsewhere = policies()
      .filter((p) => p.name !== 'state-table')
      .flatMap((p) => p.statements.flatMap(actions))
      .filter((a) => a.startsWith('dynamodb:'));
    expect(elsewhere).toEqual([]);
  });

  it('writes logs only to its own log group', () => {
    const statements = policies().find((p) => p.name === 'logs')!.statements;
    expect(statements).toHaveLength(1);
    expect(actions(statements[0]!).sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    expect(statements[0]!.Resource).toEqual({ 'Fn::GetAtt': ['BotLogGroup', 'Arn'] });
  });

  it('lets the bot invoke one Bedrock model, only when Bedrock is chosen', () => {
    const bedrock = policies().find((p) => p.name === 'bedrock')!;
    expect(bedrock.condition).toBe('UseBedrock');
    const [statement] = bedrock.statements;
    expect(actions(statement!)).toEqual(['bedrock:InvokeModel']);
    const resources = JSON.stringify(statement!.Resource);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation !Sub placeholder.
    expect(resources).toContain('foundation-model/${BedrockModelId}');
    expect(resources).not.toMatch(/foundation-model\/\*/);
    expect(resources).not.toMatch(/inference-profile\/\*/);
  });

  it('matches the IAM policy documented in docs/store-dynamodb.md', () => {
    const docs = readFileSync(new URL('../../docs/store-dynamodb.md', import.meta.url), 'utf8');
    const documented = [...docs.matchAll(/"(dynamodb:\w+)"/g)].map((m) => m[1]);
    expect(documented.sort()).toEqual([...DYNAMODB_ACTIONS].sort());
  });

  it('ships an opsagent.yaml that puts the store in that table', () => {
    const config = parseConfig(file('opsagent.yaml'), {
      env: { OPSAGENT_TABLE: 'stack-StateTable-ABC123' },
      source: 'examples/cloudops-bot/opsagent.yaml',
    });
    expect(config.store).toMatchObject({ type: 'dynamodb', table: 'stack-StateTable-ABC123' });
    expect(file('index.mjs')).toContain("from 'opsagent/lambda'");
  });
});
