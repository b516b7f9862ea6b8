/**
 * Spawning the `opsagent` command in end-to-end tests: one way to build its environment, run it to
 * the end, or start it and wait for what it prints. Every child runs on this process's Node (24).
 */
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The CLI's entry point in this checkout. */
export const opsagentBin = fileURLToPath(
  new URL('../../packages/cli/bin/opsagent.js', import.meta.url),
);

/** What a finished command printed, and how it ended (`code` is null when killed by a signal). */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * A clean environment for the CLI: PATH only from this process, HOME and the data folder in the
 * test's own directory (nothing of the developer's machine leaks in), then `extra`.
 */
export function cliEnv(
  home: string,
  extra: Record<string, string> = {},
  dataDir = join(home, 'data'),
): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: home, OPSAGENT_DATA_DIR: dataDir, ...extra };
}

/** Options of {@link runCli} and {@link startCli}. */
export interface CliOptions {
  /** Working folder; the CLI looks for opsagent.yaml here. */
  cwd: string;
  /** The whole environment of the child (build it with {@link cliEnv}). */
  env: Record<string, string>;
  /** Script to run instead of the checkout's CLI (an installed copy, a wrapper). */
  bin?: string;
}

/**
 * Runs the CLI to its end without blocking this process, so wire fakes served from here keep
 * answering. `input` goes to stdin (then closed). Killed after `timeoutMs` (default 60 s), which
 * the result's null code and a note on stderr make plain.
 */
export function runCli(
  args: readonly string[],
  options: CliOptions & { input?: string; timeoutMs?: number },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [options.bin ?? opsagentBin, ...args], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const limit = options.timeoutMs ?? 60_000;
    const timer = setTimeout(() => {
      stderr += `\n[test helper: killed after ${limit} ms]`;
      child.kill('SIGKILL');
    }, limit);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Runs the CLI synchronously: for commands that need nothing served from this process. */
export function runCliSync(
  args: readonly string[],
  options: CliOptions & { input?: string; timeoutMs?: number },
): CliResult {
  const result = spawnSync(process.execPath, [options.bin ?? opsagentBin, ...args], {
    encoding: 'utf8',
    input: options.input ?? '',
    cwd: options.cwd,
    env: options.env,
    timeout: options.timeoutMs ?? 30_000,
  });
  if (result.error) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A CLI process that keeps running (`opsagent run`), with what it printed so far. */
export interface RunningCli {
  readonly child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /**
   * Resolves once stderr (or stdout) matches; rejects when the process exits first or after
   * `timeoutMs` (default 20 s), with what it printed.
   */
  waitFor(
    pattern: RegExp | string,
    options?: { stream?: 'stdout' | 'stderr'; timeoutMs?: number },
  ): Promise<RegExpExecArray>;
  /** Sends `signal` (default SIGTERM) if still running and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts the CLI and returns at once; stdin is closed. Stop it in the test's cleanup. */
export function startCli(args: readonly string[], options: CliOptions): RunningCli {
  const child = spawn(process.execPath, [options.bin ?? opsagentBin, ...args], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.end();
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk) => {
    out.stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    out.stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
  return {
    child,
    stdout: () => out.stdout,
    stderr: () => out.stderr,
    exited,
    waitFor(pattern, waitOptions = {}) {
      const stream = waitOptions.stream ?? 'stderr';
      const regex = typeof pattern === 'string' ? new RegExp(escapeRegExp(pattern)) : pattern;
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = regex.exec(out[stream]);
          if (!match) return false;
          done();
          resolve(match);
          return true;
        };
        const onExit = (code: number | null) => {
          done();
          reject(new Error(`opsagent exited (${code}) before printing ${regex}:\n${out.stderr}`));
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`opsagent did not print ${regex} in time:\n${out.stderr}`));
        }, waitOptions.timeoutMs ?? 20_000);
        const done = () => {
          clearTimeout(timer);
          child[stream].off('data', check);
          child.off('exit', onExit);
        };
        if (check()) return;
        if (child.exitCode !== null) return onExit(child.exitCode);
        child[stream].on('data', check);
        child.once('exit', onExit);
      });
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Waits until `opsagent run` is up and its management API listens; resolves with the API's URL. */
export async function waitForApi(run: RunningCli, timeoutMs = 20_000): Promise<string> {
  await run.waitFor('running preset', { timeoutMs });
  const [, url] = await run.waitFor(/management API on (http:\/\/\S+)/, { timeoutMs });
  return url as string;
}

/** Polls `probe` every `intervalMs` until it returns a value; gives up after `attempts`. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  options: { attempts?: number; intervalMs?: number } = {},
): Promise<T> {
  const attempts = options.attempts ?? 300;
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
  }
  throw new Error(`gave up waiting for ${what}`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
