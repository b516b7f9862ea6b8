import { type AwsFault, type AwsReply, decodeToken, encodeToken, jsonReply } from './protocol.js';
import type { FakeAwsWorld, FakeLogEvent } from './world.js';

/** What the Logs handler needs from the server. */
export interface LogsContext {
  world: FakeAwsWorld;
  takeEmptyPage(operation: string): boolean;
  pageCap(operation: string): number | undefined;
}

const CONTENT_TYPE = 'application/x-amz-json-1.1';

export function logsError(status: number, type: string, message: string): AwsReply {
  return jsonReply(status, { __type: type, message }, {}, CONTENT_TYPE);
}

export function logsFault(fault: AwsFault): AwsReply {
  return logsError(fault.status ?? 400, fault.code, fault.message ?? 'Rate exceeded');
}

interface Term {
  text: string;
  kind: 'all' | 'any' | 'none';
}

/** Parses the plain-term subset of the filter pattern syntax: terms, "phrases", ?any, -exclude. */
function parsePattern(pattern: string): Term[] {
  const terms: Term[] = [];
  const regex = /([?-]?)(?:"([^"]*)"|(\S+))/g;
  for (let match = regex.exec(pattern); match; match = regex.exec(pattern)) {
    const text = match[2] ?? match[3] ?? '';
    const kind = match[1] === '?' ? 'any' : match[1] === '-' ? 'none' : 'all';
    terms.push({ text, kind });
  }
  return terms;
}

function matchesPattern(message: string, terms: Term[]): boolean {
  const any = terms.filter((term) => term.kind === 'any');
  return (
    terms.every((term) => term.kind !== 'all' || message.includes(term.text)) &&
    terms.every((term) => term.kind !== 'none' || !message.includes(term.text)) &&
    (any.length === 0 || any.some((term) => message.includes(term.text)))
  );
}

function stringField(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  return typeof value === 'string' ? value : undefined;
}

function numberField(body: Record<string, unknown>, name: string): number | undefined {
  const value = body[name];
  return typeof value === 'number' ? value : undefined;
}

/** Handles one CloudWatch Logs JSON 1.1 request (`X-Amz-Target: Logs_20140328.<operation>`). */
export function handleLogs(operation: string, body: unknown, ctx: LogsContext): AwsReply {
  if (typeof body !== 'object' || body === null) {
    return logsError(400, 'SerializationException', 'request body is not a JSON object');
  }
  const input = body as Record<string, unknown>;
  const ok = (out: unknown) => jsonReply(200, out, {}, CONTENT_TYPE);
  switch (operation) {
    case 'DescribeLogGroups': {
      const prefix = stringField(input, 'logGroupNamePrefix') ?? '';
      const pattern = stringField(input, 'logGroupNamePattern');
      const names = Object.keys(ctx.world.logGroups)
        .filter((name) => name.startsWith(prefix) && (!pattern || name.includes(pattern)))
        .sort();
      const limit = numberField(input, 'limit') ?? 50;
      if (limit < 1 || limit > 50)
        return logsError(400, 'InvalidParameterException', 'limit must be 1-50');
      const token = stringField(input, 'nextToken');
      const offset = token ? decodeToken(token) : 0;
      if (offset === undefined)
        return logsError(400, 'InvalidParameterException', 'The given nextToken is invalid');
      if (ctx.takeEmptyPage(operation))
        return ok({ logGroups: [], nextToken: encodeToken(offset) });
      const size = Math.min(limit, ctx.pageCap(operation) ?? limit);
      const slice = names.slice(offset, offset + size);
      return ok({
        logGroups: slice.map((name) => ({
          logGroupName: name,
          arn: `arn:aws:logs:us-east-1:123456789012:log-group:${name}:*`,
          creationTime: 1_767_225_600_000,
          storedBytes: (ctx.world.logGroups[name]?.length ?? 0) * 100,
        })),
        ...(offset + size < names.length ? { nextToken: encodeToken(offset + size) } : {}),
      });
    }
    case 'FilterLogEvents': {
      const name = stringField(input, 'logGroupName');
      const identifier = stringField(input, 'logGroupIdentifier');
      if ((name === undefined) === (identifier === undefined)) {
        return logsError(
          400,
          'InvalidParameterException',
          'Exactly one of logGroupName or logGroupIdentifier must be given',
        );
      }
      const groupName =
        name ?? identifier?.replace(/^arn:.*:log-group:/, '').replace(/:\*$/, '') ?? '';
      const events = ctx.world.logGroups[groupName];
      if (!events)
        return logsError(
          400,
          'ResourceNotFoundException',
          'The specified log group does not exist.',
        );
      const start = numberField(input, 'startTime') ?? 0;
      const end = numberField(input, 'endTime') ?? Number.MAX_SAFE_INTEGER;
      const terms = parsePattern(stringField(input, 'filterPattern') ?? '');
      const prefix = stringField(input, 'logStreamNamePrefix');
      const selected = events
        .map((event, index) => ({ event, index }))
        .filter(
          ({ event }) =>
            event.timestamp >= start &&
            event.timestamp <= end &&
            (!prefix || (event.stream ?? 'stream-1').startsWith(prefix)) &&
            matchesPattern(event.message, terms),
        )
        .sort((a, b) => a.event.timestamp - b.event.timestamp || a.index - b.index);
      const limit = numberField(input, 'limit') ?? 10_000;
      if (limit < 1 || limit > 10_000)
        return logsError(400, 'InvalidParameterException', 'limit must be 1-10000');
      const token = stringField(input, 'nextToken');
      const offset = token ? decodeToken(token) : 0;
      if (offset === undefined)
        return logsError(400, 'InvalidParameterException', 'The given nextToken is invalid');
      if (ctx.takeEmptyPage(operation))
        return ok({ events: [], searchedLogStreams: [], nextToken: encodeToken(offset) });
      const size = Math.min(limit, ctx.pageCap(operation) ?? limit);
      const slice = selected.slice(offset, offset + size);
      return ok({
        events: slice.map(({ event, index }) => toWire(groupName, event, index)),
        searchedLogStreams: [],
        ...(offset + size < selected.length ? { nextToken: encodeToken(offset + size) } : {}),
      });
    }
    default:
      return logsError(400, 'UnknownOperationException', `Unknown operation ${operation}`);
  }
}

function toWire(group: string, event: FakeLogEvent, index: number) {
  return {
    logStreamName: event.stream ?? 'stream-1',
    timestamp: event.timestamp,
    message: event.message,
    ingestionTime: event.timestamp + 5,
    eventId: `${group.length}${event.timestamp}${index.toString().padStart(8, '0')}`,
  };
}
