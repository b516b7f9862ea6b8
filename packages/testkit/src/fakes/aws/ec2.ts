import {
  type AwsFault,
  type AwsReply,
  decodeToken,
  encodeToken,
  requestId,
  xmlReply,
  xmlTag,
} from './protocol.js';
import type { FakeAwsWorld, FakeInstance } from './world.js';

/** What the EC2 handler needs from the server. */
export interface Ec2Context {
  world: FakeAwsWorld;
  region: string;
  /** Consumes one queued empty page for the operation, if any. */
  takeEmptyPage(operation: string): boolean;
  /** Largest page the fake serves for the operation, if a test capped it. */
  pageCap(operation: string): number | undefined;
}

const STATE_CODES: Record<FakeInstance['state'], number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

const XMLNS = 'http://ec2.amazonaws.com/doc/2016-11-15/';

export function ec2Error(status: number, code: string, message: string): AwsReply {
  return xmlReply(
    status,
    `<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>${requestId()}</RequestID></Response>`,
  );
}

export function ec2Fault(fault: AwsFault): AwsReply {
  return ec2Error(fault.status ?? 503, fault.code, fault.message ?? 'Request limit exceeded.');
}

/** Reads `Prefix.N` list members of a query request. */
function list(params: URLSearchParams, prefix: string): string[] {
  const out: string[] = [];
  for (let n = 1; params.has(`${prefix}.${n}`); n++) out.push(params.get(`${prefix}.${n}`) ?? '');
  return out;
}

function filters(params: URLSearchParams): Array<{ name: string; values: string[] }> {
  const out: Array<{ name: string; values: string[] }> = [];
  for (let n = 1; params.has(`Filter.${n}.Name`); n++) {
    out.push({
      name: params.get(`Filter.${n}.Name`) ?? '',
      values: list(params, `Filter.${n}.Value`),
    });
  }
  return out;
}

function glob(pattern: string, value: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return regex.test(value);
}

function matches(instance: FakeInstance, filter: { name: string; values: string[] }): boolean {
  const any = (value: string | undefined) =>
    value !== undefined && filter.values.some((pattern) => glob(pattern, value));
  if (filter.name === 'instance-state-name') return any(instance.state);
  if (filter.name === 'instance-id') return any(instance.id);
  if (filter.name === 'instance-type') return any(instance.type);
  if (filter.name === 'tag-key') return Object.keys(instance.tags ?? {}).some((key) => any(key));
  if (filter.name.startsWith('tag:')) return any(instance.tags?.[filter.name.slice(4)]);
  if (filter.name === 'instance-status.status') return any(instance.instanceStatus ?? 'ok');
  if (filter.name === 'system-status.status') return any(instance.systemStatus ?? 'ok');
  return true;
}

function stateXml(tag: string, state: FakeInstance['state']): string {
  return `<${tag}><code>${STATE_CODES[state]}</code><name>${state}</name></${tag}>`;
}

function tagsXml(tags: Record<string, string> | undefined): string {
  const items = Object.entries(tags ?? {})
    .map(([key, value]) => `<item>${xmlTag('key', key)}${xmlTag('value', value)}</item>`)
    .join('');
  return `<tagSet>${items}</tagSet>`;
}

function statusXml(instance: FakeInstance): string {
  const running = instance.state === 'running';
  const check = (tag: string, status: string | undefined) => {
    const value = running ? (status ?? 'ok') : 'not-applicable';
    const detail = running
      ? `<details><item><name>reachability</name><status>${value === 'impaired' ? 'failed' : value === 'ok' ? 'passed' : value}</status></item></details>`
      : '<details/>';
    return `<${tag}><status>${value}</status>${detail}</${tag}>`;
  };
  const events = (instance.events ?? [])
    .map(
      (event) =>
        `<item>${xmlTag('code', event.code)}${xmlTag('description', event.description)}${xmlTag('notBefore', event.notBefore?.toISOString())}</item>`,
    )
    .join('');
  return `<item>${xmlTag('instanceId', instance.id)}${xmlTag('availabilityZone', `${instance.region}a`)}${stateXml('instanceState', instance.state)}${check('systemStatus', instance.systemStatus)}${check('instanceStatus', instance.instanceStatus)}${events ? `<eventsSet>${events}</eventsSet>` : ''}</item>`;
}

function instanceXml(instance: FakeInstance): string {
  return `<item>${xmlTag('instanceId', instance.id)}${xmlTag('imageId', 'ami-00000000')}${stateXml('instanceState', instance.state)}${xmlTag('instanceType', instance.type ?? 't3.micro')}${xmlTag('launchTime', (instance.launchTime ?? new Date('2026-01-01T00:00:00Z')).toISOString())}<placement>${xmlTag('availabilityZone', `${instance.region}a`)}</placement>${xmlTag('privateIpAddress', instance.privateIp)}${tagsXml(instance.tags)}</item>`;
}

interface Page<T> {
  items: T[];
  nextToken?: string;
}

function page<T>(
  all: T[],
  params: URLSearchParams,
  operation: string,
  ctx: Ec2Context,
  fallback: number,
): Page<T> | AwsReply {
  const token = params.get('NextToken');
  const offset = token ? decodeToken(token) : 0;
  if (offset === undefined) return ec2Error(400, 'InvalidParameterValue', 'Invalid NextToken');
  if (ctx.takeEmptyPage(operation)) return { items: [], nextToken: encodeToken(offset) };
  const maxResults = params.get('MaxResults');
  let size = maxResults ? Number(maxResults) : fallback;
  if (maxResults && (!Number.isInteger(size) || size < 5 || size > 1000)) {
    return ec2Error(400, 'InvalidParameterValue', 'MaxResults must be between 5 and 1000');
  }
  size = Math.min(size, ctx.pageCap(operation) ?? size);
  const items = all.slice(offset, offset + size);
  return offset + size < all.length ? { items, nextToken: encodeToken(offset + size) } : { items };
}

function select(params: URLSearchParams, ctx: Ec2Context): FakeInstance[] | AwsReply {
  const ids = list(params, 'InstanceId');
  if (ids.length > 0 && params.has('MaxResults')) {
    return ec2Error(
      400,
      'InvalidParameterCombination',
      'The parameter instancesSet cannot be used with the parameter maxResults',
    );
  }
  const inRegion = ctx.world.instances.filter((instance) => instance.region === ctx.region);
  for (const id of ids) {
    if (!inRegion.some((instance) => instance.id === id)) {
      return ec2Error(400, 'InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
    }
  }
  const wanted = filters(params);
  return inRegion.filter(
    (instance) =>
      (ids.length === 0 || ids.includes(instance.id)) &&
      wanted.every((filter) => matches(instance, filter)),
  );
}

function dryRun(params: URLSearchParams): AwsReply | undefined {
  return params.get('DryRun') === 'true'
    ? ec2Error(412, 'DryRunOperation', 'Request would have succeeded, but DryRun flag is set.')
    : undefined;
}

/** Handles one EC2 query-protocol request. */
export function handleEc2(action: string, params: URLSearchParams, ctx: Ec2Context): AwsReply {
  const wrap = (body: string) =>
    xmlReply(
      200,
      `<${action}Response xmlns="${XMLNS}"><requestId>${requestId()}</requestId>${body}</${action}Response>`,
    );
  switch (action) {
    case 'DescribeRegions': {
      const regions =
        ctx.world.regions ??
        [...new Set(ctx.world.instances.map((instance) => instance.region))].sort();
      const names = regions.length > 0 ? regions : ['us-east-1'];
      return wrap(
        `<regionInfo>${names.map((name) => `<item><regionName>${name}</regionName><regionEndpoint>ec2.${name}.amazonaws.com</regionEndpoint><optInStatus>opt-in-not-required</optInStatus></item>`).join('')}</regionInfo>`,
      );
    }
    case 'DescribeInstanceStatus': {
      const selected = select(params, ctx);
      if (!Array.isArray(selected)) return selected;
      const all = params.get('IncludeAllInstances') === 'true';
      const visible = selected.filter((instance) => all || instance.state === 'running');
      const result = page(visible, params, action, ctx, 1000);
      if (!('items' in result)) return result;
      return wrap(
        `<instanceStatusSet>${result.items.map(statusXml).join('')}</instanceStatusSet>${xmlTag('nextToken', result.nextToken)}`,
      );
    }
    case 'DescribeInstances': {
      const selected = select(params, ctx);
      if (!Array.isArray(selected)) return selected;
      const result = page(selected, params, action, ctx, 1000);
      if (!('items' in result)) return result;
      const reservations = result.items
        .map(
          (instance, n) =>
            `<item><reservationId>r-${n.toString(16).padStart(8, '0')}</reservationId><ownerId>123456789012</ownerId><instancesSet>${instanceXml(instance)}</instancesSet></item>`,
        )
        .join('');
      return wrap(
        `<reservationSet>${reservations}</reservationSet>${xmlTag('nextToken', result.nextToken)}`,
      );
    }
    case 'GetConsoleOutput': {
      const id = params.get('InstanceId') ?? '';
      const instance = ctx.world.instances.find((i) => i.id === id && i.region === ctx.region);
      if (!instance)
        return ec2Error(
          400,
          'InvalidInstanceID.NotFound',
          `The instance ID '${id}' does not exist`,
        );
      const output = Buffer.from(instance.consoleOutput ?? '').toString('base64');
      return wrap(
        `${xmlTag('instanceId', id)}${xmlTag('timestamp', new Date().toISOString())}${xmlTag('output', output)}`,
      );
    }
    case 'RebootInstances':
    case 'StartInstances': {
      const selected = select(params, ctx);
      if (!Array.isArray(selected)) return selected;
      const dry = dryRun(params);
      if (dry) return dry;
      if (action === 'RebootInstances') {
        for (const instance of selected) ctx.world.onInstanceAction?.('reboot', instance);
        return wrap('<return>true</return>');
      }
      const items = selected
        .map((instance) => {
          const previous = instance.state;
          if (previous === 'stopped') instance.state = 'pending';
          ctx.world.onInstanceAction?.('start', instance);
          return `<item>${xmlTag('instanceId', instance.id)}${stateXml('currentState', instance.state)}${stateXml('previousState', previous)}</item>`;
        })
        .join('');
      return wrap(`<instancesSet>${items}</instancesSet>`);
    }
    default:
      return ec2Error(
        400,
        'InvalidAction',
        `The action ${action} is not valid for this web service.`,
      );
  }
}
