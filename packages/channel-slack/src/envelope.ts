import { z } from 'zod';

// The parts of Slack's request bodies that Bolt's App dereferences before any listener runs
// (`getTypeAndConversation` and `buildSource` in bolt-js) and that the channel's listeners read.
// A signed body of the wrong shape (e.g. `"user": null` in an event) made Bolt throw and answer
// 500, so Slack retried it; such a body is now acknowledged and ignored with a log line.

const text = z.string().optional();
const object = z.looseObject({});
const team = z
  .looseObject({ id: z.string().nullish(), enterprise_id: z.string().nullish() })
  .nullish();
const enterprise = z.looseObject({ id: z.string() }).nullish();
const person = z.looseObject({ id: z.string(), team_id: z.string().nullish() });

const eventBody = z.looseObject({
  team_id: text,
  enterprise_id: z.string().nullish(),
  authorizations: z
    .array(z.looseObject({ team_id: z.string().nullish(), enterprise_id: z.string().nullish() }))
    .optional(),
  event: z.looseObject({
    type: z.string(),
    user: z.union([z.string(), z.looseObject({ id: z.string().optional() })]).optional(),
    channel: z.union([z.string(), object]).optional(),
    channel_id: text,
    item: object.optional(),
    subteam: object.optional(),
    text,
    ts: text,
    event_ts: text,
    thread_ts: text,
    channel_type: text,
    subtype: text,
    bot_id: text,
  }),
});

const commandBody = z.looseObject({
  command: z.string(),
  text: z.string(),
  user_id: z.string(),
  channel_id: z.string(),
  team_id: text,
  enterprise_id: text,
  trigger_id: text,
  response_url: text,
});

const interactiveBody = z.looseObject({
  user: person,
  team,
  enterprise,
  channel: z.looseObject({ id: z.string() }).optional(),
});

const actionBody = interactiveBody.extend({
  actions: z.array(z.looseObject({ type: text, action_id: text, block_id: text, action_ts: text })),
  container: z.looseObject({ channel_id: text, message_ts: text }).optional(),
  message: z
    .looseObject({ ts: text, thread_ts: text, blocks: z.array(z.unknown()).optional() })
    .optional(),
});

const viewBody = interactiveBody.extend({
  view: z.looseObject({ app_installed_team_id: text }),
});

/**
 * What is wrong with a request body, in the terms Bolt sorts it by (event, command, options,
 * action, shortcut, view), or undefined when Bolt and the channel can read it. Bodies of a kind
 * Bolt does not know pass: Bolt answers them itself (404).
 */
export function envelopeProblem(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return 'the body is not a JSON object';
  }
  const b = body as Record<string, unknown>;
  const schema =
    b.event !== undefined
      ? eventBody
      : b.command !== undefined
        ? commandBody
        : b.name !== undefined || b.type === 'block_suggestion'
          ? interactiveBody
          : b.actions !== undefined || b.type === 'dialog_submission'
            ? b.type === 'dialog_submission'
              ? interactiveBody
              : actionBody
            : b.type === 'shortcut' || b.type === 'message_action'
              ? interactiveBody
              : b.type === 'view_submission' || b.type === 'view_closed'
                ? viewBody
                : undefined;
  if (!schema) return undefined;
  const parsed = schema.safeParse(body);
  if (parsed.success) return undefined;
  return parsed.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`)
    .join('; ');
}
