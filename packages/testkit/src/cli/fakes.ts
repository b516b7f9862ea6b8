import { createInterface } from 'node:readline';
import { seedDemoAwsWorld } from '../fakes/aws/demo.js';
import { startFakeAws } from '../fakes/aws/server.js';
import { startFakeHomeAssistant } from '../fakes/home-assistant.js';
import { startFakeSignalServer } from '../fakes/signal-server.js';
import { appMention, postSignedToSlackApp } from '../fakes/slack-events.js';
import { startFakeSlackServer } from '../fakes/slack-server.js';

/** Where the fakes CLI writes and reads; the process's own streams by default. */
export interface FakesIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
}

const USAGE = `opsagent-fakes: run opsagent's test doubles on 127.0.0.1, to try a preset without accounts.

  opsagent-fakes signal [--from +15550000002]
      a signal-cli-rest-api; lines you type arrive as messages from --from, replies are printed
  opsagent-fakes slack --app http://127.0.0.1:3000/slack/events [--secret S] [--user U_ME]
      a Slack Web API; lines you type are posted to --app as signed app_mention events in one
      thread, and the bot's messages are printed
  opsagent-fakes aws
      EC2, CloudWatch Logs, Amplify and SES endpoints with a demo account: an impaired
      instance, a failed Amplify build and an error burst in /ecs/api
  opsagent-fakes home-assistant
      a Home Assistant with a few lights and sensors; service calls switch them

Each prints the environment variables that point opsagent at it, then runs until Ctrl-C.
`;

function flag(args: string[], name: string, fallback: string): string {
  const at = args.indexOf(name);
  const value = at >= 0 ? args[at + 1] : undefined;
  return value && !value.startsWith('--') ? value : fallback;
}

function printEnv(io: FakesIo, vars: Record<string, string>): void {
  io.stdout.write('# point opsagent at this double:\n');
  for (const [name, value] of Object.entries(vars)) io.stdout.write(`export ${name}=${value}\n`);
}

function untilInterrupted(close: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      close().then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

async function signal(args: string[], io: FakesIo): Promise<number> {
  const from = flag(args, '--from', '+15550000002');
  const fake = await startFakeSignalServer();
  printEnv(io, {
    SIGNAL_API_URL: fake.url,
    SIGNAL_NUMBER: fake.number,
    SIGNAL_ALLOWED_SENDERS: from,
  });
  io.stdout.write(`# type a line to send it to the bot as ${from}\n`);
  let shown = 0;
  const timer = setInterval(() => {
    for (; shown < fake.sent.length; shown++) {
      const body = fake.sent[shown]?.body as { message?: string } | undefined;
      io.stdout.write(`bot> ${body?.message ?? JSON.stringify(body)}\n`);
    }
  }, 200);
  const lines = createInterface({ input: io.stdin });
  lines.on('line', (text) => {
    if (text.trim()) fake.message({ from, text });
  });
  await untilInterrupted(async () => {
    clearInterval(timer);
    lines.close();
    await fake.close();
  });
  return 0;
}

async function slack(args: string[], io: FakesIo): Promise<number> {
  const app = flag(args, '--app', '');
  if (!app) {
    io.stderr.write(
      "opsagent-fakes slack: --app URL is required (the bot's Events API endpoint, e.g. http://127.0.0.1:3000/slack/events)\n",
    );
    return 2;
  }
  const secret = flag(args, '--secret', io.env.SLACK_SIGNING_SECRET ?? 'fake-signing-secret-0123');
  const user = flag(args, '--user', 'U_ME');
  const botToken = 'xoxb-fake-bot-token';
  const fake = await startFakeSlackServer({ botToken });
  printEnv(io, {
    SLACK_API_URL: fake.url,
    SLACK_BOT_TOKEN: botToken,
    SLACK_SIGNING_SECRET: secret,
    SLACK_ALLOWED_USERS: user,
  });
  io.stdout.write(`# type a line to mention the bot as ${user} (one thread)\n`);
  let thread: string | undefined;
  let shown = 0;
  const timer = setInterval(() => {
    for (; shown < fake.calls.length; shown++) {
      const call = fake.calls[shown];
      if (call?.method !== 'chat.postMessage' && call?.method !== 'chat.update') continue;
      const text = (call.args as { text?: string }).text;
      io.stdout.write(`bot (${call.method})> ${text ?? ''}\n`);
    }
  }, 200);
  const lines = createInterface({ input: io.stdin });
  lines.on('line', (text) => {
    if (!text.trim()) return;
    const body = appMention({ text, user, ...(thread ? { threadTs: thread } : {}) });
    thread ??= (body.event as { ts: string }).ts;
    postSignedToSlackApp(app, body, { signingSecret: secret }).then(
      (res) => {
        if (res.status !== 200) io.stderr.write(`app answered ${res.status}: ${res.body}\n`);
      },
      (error: unknown) => io.stderr.write(`could not reach ${app}: ${String(error)}\n`),
    );
  });
  await untilInterrupted(async () => {
    clearInterval(timer);
    lines.close();
    await fake.close();
  });
  return 0;
}

async function aws(_args: string[], io: FakesIo): Promise<number> {
  const fake = await startFakeAws();
  seedDemoAwsWorld(fake.world);
  printEnv(io, { ...fake.env(), AWS_REGION: 'eu-west-1' });
  await untilInterrupted(() => fake.close());
  return 0;
}

async function homeAssistant(_args: string[], io: FakesIo): Promise<number> {
  const fake = await startFakeHomeAssistant({
    entities: [
      {
        entity_id: 'light.living_room',
        state: 'off',
        attributes: { friendly_name: 'Living Room Lights' },
      },
      { entity_id: 'light.kitchen', state: 'on', attributes: { friendly_name: 'Kitchen Light' } },
      {
        entity_id: 'sensor.living_room_temperature',
        state: '21.5',
        attributes: { friendly_name: 'Living Room Temperature', unit_of_measurement: '°C' },
      },
      { entity_id: 'switch.nas', state: 'on', attributes: { friendly_name: 'NAS Power' } },
    ],
  });
  printEnv(io, { HA_URL: fake.url, HA_TOKEN: fake.token });
  await untilInterrupted(() => fake.close());
  return 0;
}

const COMMANDS: Record<string, (args: string[], io: FakesIo) => Promise<number>> = {
  signal,
  slack,
  aws,
  'home-assistant': homeAssistant,
};

/** The `opsagent-fakes` command: runs one test double until interrupted. */
export async function runFakes(argv: string[], io: FakesIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr.write(
      `opsagent-fakes: unknown double "${name}"; one of ${Object.keys(COMMANDS).join(', ')}\n`,
    );
    return 2;
  }
  return command(args, io);
}
