import { existsSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import {
  type ConsoleChannel,
  configJsonSchema,
  errorMessage,
  isOpsAgentError,
  type LogLevel,
  type ManagementApi,
  type PluginEntry,
  renderPlainText,
  type StatusReport,
} from '@opsagent/core';
import { Command, CommanderError, Option } from 'commander';
import { registerAwsCommand } from './aws-command.js';
import { renderConfigReference } from './config-reference.js';
import { registerDigestCommand } from './digest-command.js';
import { runDoctor } from './doctor.js';
import { knownPlugins, loadAgent } from './load.js';
import { presets } from './presets/index.js';
import { startApi } from './serve-api.js';

/** Where the CLI writes; injectable for tests. */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Plugins added to every preset's (for embedding the CLI and for tests). */
  plugins?: readonly PluginEntry[];
}

interface CommonFlags {
  config?: string;
  preset?: string;
  logLevel?: LogLevel;
}

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

function common(command: Command): Command {
  return command
    .option('-c, --config <file>', 'config file (default: ./opsagent.yaml when present)')
    .option(
      '-p, --preset <name>',
      `preset: ${Object.keys(presets).join(', ')} (default: the file's preset, else local)`,
    )
    .addOption(
      new Option('--log-level <level>', 'least log level written to stderr').choices(LOG_LEVELS),
    );
}

/** Renders status reports as plain text. */
export function renderStatus(reports: StatusReport[]): string {
  return renderPlainText({
    blocks: reports.flatMap((r) =>
      r.sections.map((section) => ({ type: 'section' as const, section })),
    ),
  });
}

/** Runs the `opsagent` command line; resolves to the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const out = (text: string) => io.stdout.write(`${text}\n`);
  const program = new Command('opsagent')
    .description(
      'An AI ops agent: watches your infrastructure, answers in chat, fixes things only with your consent.',
    )
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  let exitCode = 0;

  const chat = async (flags: CommonFlags) => {
    const { agent } = await loadAgent({
      ...base(flags, io),
      mode: 'chat',
      logLevel: flags.logLevel ?? 'warn',
    });
    const consoleChannel = agent.registry.channels.get('console') as ConsoleChannel | undefined;
    await agent.start({ monitor: false });
    if (consoleChannel?.closed) await consoleChannel.closed;
    await agent.idle();
    await agent.stop();
  };

  common(
    program
      .command('chat', { isDefault: true })
      .description('chat with the agent in this terminal (default)'),
  ).action(chat);

  common(
    program
      .command('run')
      .description('run channels and the monitor as a service (SIGTERM/SIGINT stop it gracefully)'),
  ).action(async (flags: CommonFlags) => {
    const { agent, loaded, logger } = await loadAgent({ ...base(flags, io), mode: 'run' });
    // Signal handlers first: a signal that arrives before them would kill the process outright
    // (the default action), e.g. from a supervisor that reacts to the "running" line below.
    let api: ManagementApi | undefined;
    let stopping = false;
    let stopped: (() => void) | undefined;
    const finished = new Promise<void>((done) => {
      stopped = done;
    });
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        io.stderr.write(`opsagent: ${signal} again, exiting now\n`);
        process.exit(1);
      }
      stopping = true;
      io.stderr.write(`opsagent: ${signal}, stopping…\n`);
      const closeApi = api ? api.close() : Promise.resolve();
      closeApi
        .then(() => agent.stop())
        .then(stopped, (error: unknown) => {
          io.stderr.write(`opsagent: stop failed: ${errorMessage(error)}\n`);
          exitCode = 1;
          stopped?.();
        });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    try {
      // The API listens first, so /healthz answers and /readyz says 503 until the agent is started.
      try {
        if (loaded.config.api) {
          const started = await startApi({ agent, config: loaded.config.api, env: io.env, logger });
          api = started.api;
          io.stderr.write(`opsagent: management API on ${started.url}\n`);
        }
        await agent.start();
      } catch (error) {
        await api?.close();
        await agent.stop();
        throw error;
      }
      io.stderr.write(
        `opsagent: running preset ${loaded.preset.name}; stop with Ctrl-C or SIGTERM\n`,
      );
      await finished;
    } finally {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    }
  });

  common(program.command('status').description('print a status snapshot once, then exit'))
    .option('--json', 'print JSON')
    .action(async (flags: CommonFlags & { json?: boolean }) => {
      const { agent } = await loadAgent({
        ...base(flags, io),
        mode: 'status',
        logLevel: flags.logLevel ?? 'warn',
      });
      try {
        const reports = await agent.status();
        out(flags.json ? JSON.stringify(reports, null, 2) : renderStatus(reports));
      } finally {
        await agent.stop();
      }
    });

  common(
    program.command('doctor').description('check config, credentials and endpoints, one line each'),
  ).action(async (flags: CommonFlags) => {
    const ok = await runDoctor({ ...base(flags, io), out });
    exitCode = ok ? 0 : 1;
  });

  program
    .command('init')
    .description('write a commented opsagent.yaml for a preset')
    .requiredOption('-p, --preset <name>', `preset: ${Object.keys(presets).join(', ')}`, 'local')
    .option('-o, --output <file>', 'where to write', 'opsagent.yaml')
    .option('-f, --force', 'overwrite an existing file')
    .action((flags: { preset: string; output: string; force?: boolean }) => {
      const preset = presets[flags.preset];
      if (!preset) {
        io.stderr.write(
          `opsagent: unknown preset "${flags.preset}"; available: ${Object.keys(presets).join(', ')}\n`,
        );
        exitCode = 2;
        return;
      }
      const target = resolve(io.cwd, flags.output);
      if (existsSync(target) && !flags.force) {
        io.stderr.write(`opsagent: ${target} exists; use --force to overwrite it\n`);
        exitCode = 1;
        return;
      }
      writeFileSync(target, preset.template);
      out(
        `wrote ${target} (preset ${preset.name}). Check it with: opsagent doctor --config ${flags.output}`,
      );
    });

  registerDigestCommand(program, io);
  registerAwsCommand(program, io);

  const config = program.command('config').description('config file helpers');
  config
    .command('schema')
    .description('print the JSON Schema of opsagent.yaml (for editors)')
    .action(() => {
      out(JSON.stringify(configJsonSchema(knownPlugins), null, 2));
    });
  config
    .command('reference')
    .description('print the reference of every opsagent.yaml key as Markdown')
    .action(() => {
      io.stdout.write(renderConfigReference(configJsonSchema(knownPlugins)));
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (isOpsAgentError(error)) {
      io.stderr.write(`opsagent: ${error.message}\n`);
      return error.category === 'user' ? 2 : 1;
    }
    io.stderr.write(`opsagent: ${errorMessage(error)}\n`);
    return 1;
  }
}

function base(flags: CommonFlags, io: CliIo) {
  return {
    configPath: flags.config,
    preset: flags.preset,
    env: io.env,
    cwd: io.cwd,
    plugins: io.plugins,
  };
}

const VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version;
