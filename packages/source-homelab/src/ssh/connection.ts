import { existsSync, readFileSync } from 'node:fs';
import {
  errorMessage,
  isOpsAgentError,
  type Logger,
  OpsAgentError,
  silentLogger,
} from '@opsagent/core';
import { NodeSSH } from 'node-ssh';
import { type KnownHostEntry, knownHostName, verifyHostKey } from './known-hosts.js';
import { type PrivateKeyInfo, privateKeyInfo } from './private-key.js';

/**
 * Commands run at once on one connection; more wait their turn (within their timeout). OpenSSH
 * allows 10 sessions per connection by default (`MaxSessions`).
 */
export const MAX_CHANNELS = 6;

/** How to reach one SSH host. */
export interface SshHostConfig {
  /** Name used in status, findings and tools, e.g. `nas`. */
  name: string;
  /** Address or DNS name. */
  address: string;
  /** Port; default 22. */
  port: number;
  /** Login user. */
  user: string;
  /** Private key file; when absent, the ssh-agent at `SSH_AUTH_SOCK` is used. */
  keyFile?: string;
  /**
   * Environment variable holding the passphrase of `keyFile`, read when connecting (never
   * logged, never in an error message).
   */
  passphraseEnv?: string;
  /** The passphrase itself, for embedders that resolve it elsewhere; wins over `passphraseEnv`. */
  passphrase?: string;
  /** ssh-agent socket, used when there is no `keyFile`; default `SSH_AUTH_SOCK`. */
  agent?: string;
  /** The name to look up in known_hosts instead of `address` / `[address]:port`. */
  hostKeyAlias?: string;
}

/** Timing of SSH connections and commands. */
export interface SshTimings {
  /** Time allowed to connect and authenticate, in ms; default 5000. */
  connectTimeoutMs: number;
  /** Default time allowed for one command, in ms; default 10000. */
  commandTimeoutMs: number;
  /** Keepalive interval, in ms; default 15000 (3 missed keepalives drop the connection). */
  keepaliveIntervalMs: number;
}

/** Output of a remote command. A non-zero exit is not an error here. */
export interface CommandResult {
  stdout: string;
  stderr: string;
  /** Exit code; null when it was killed by a signal. */
  code: number | null;
}

/** Options of one {@link SshHost.exec}. */
export interface ExecOptions {
  /** Time allowed, in ms; default the host's command timeout. */
  timeoutMs?: number;
  /** Aborts the command. */
  signal?: AbortSignal;
  /** Keep leading and trailing whitespace. */
  noTrim?: boolean;
}

/**
 * One SSH host with one persistent connection: opened on first use, kept alive, and opened
 * again after it drops. Host keys are checked against known_hosts; an unknown or changed key is
 * refused with `SSH_HOST_KEY_UNKNOWN` / `SSH_HOST_KEY_CHANGED`, never accepted.
 */
export class SshHost {
  private ssh: NodeSSH | undefined;
  private connecting: Promise<NodeSSH> | undefined;
  private readonly logger: Logger;
  private active = 0;
  private readonly queue: Array<() => void> = [];

  constructor(
    readonly config: SshHostConfig,
    private readonly knownHosts: () => KnownHostEntry[],
    private readonly knownHostsPath: string,
    private readonly timings: SshTimings,
    logger: Logger = silentLogger,
    private readonly env: Readonly<Record<string, string | undefined>> = process.env,
  ) {
    this.logger = logger.child({ host: config.name });
  }

  /** True while a connection is open. */
  get connected(): boolean {
    return this.ssh?.isConnected() ?? false;
  }

  /** The open connection, or a new one (concurrent callers share one attempt). */
  connection(): Promise<NodeSSH> {
    if (this.ssh?.isConnected()) return Promise.resolve(this.ssh);
    this.connecting ??= this.open().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async open(): Promise<NodeSSH> {
    const { config, timings } = this;
    this.ssh?.dispose();
    this.ssh = undefined;
    const names = config.hostKeyAlias
      ? [config.hostKeyAlias]
      : [knownHostName(config.address, config.port)];
    let refusal: OpsAgentError | undefined;
    const entries = this.knownHosts();
    const hostVerifier = (key: Buffer): boolean => {
      const verdict = verifyHostKey(entries, names, key, {
        host: config.name,
        knownHostsPath: this.knownHostsPath,
        address: config.address,
        port: config.port,
      });
      if (verdict.ok) return true;
      refusal = new OpsAgentError(
        verdict.reason === 'unknown' ? 'SSH_HOST_KEY_UNKNOWN' : 'SSH_HOST_KEY_CHANGED',
        verdict.message,
        { category: 'user', details: { host: config.name, reason: verdict.reason } },
      );
      this.logger.error({ reason: verdict.reason }, verdict.message);
      return false;
    };
    const credentials = this.credentials();
    const ssh = new NodeSSH();
    const started = Date.now();
    try {
      await ssh.connect({
        host: config.address,
        port: config.port,
        username: config.user,
        ...credentials,
        readyTimeout: timings.connectTimeoutMs,
        keepaliveInterval: timings.keepaliveIntervalMs,
        keepaliveCountMax: 3,
        hostVerifier,
      });
    } catch (error) {
      ssh.dispose();
      if (refusal) throw refusal;
      const message = errorMessage(error);
      // ssh2 parses the key before it connects: these come from the key, not the host.
      if ('privateKey' in credentials && /bad passphrase/i.test(message))
        throw this.passphraseError('wrong');
      if ('privateKey' in credentials && /no passphrase given/i.test(message))
        throw this.passphraseError(config.passphraseEnv ? 'empty' : 'missing');
      if (/authentication methods failed/i.test(message)) {
        const how =
          'privateKey' in credentials ? `the key ${config.keyFile}` : 'the keys in the ssh-agent';
        throw new OpsAgentError(
          'SSH_AUTH_FAILED',
          `${config.name} refused ${how} for ${config.user}@${config.address}:${config.port}: add its public key to ~${config.user}/.ssh/authorized_keys there (ssh-copy-id), or check hosts[].user`,
          { category: 'user', cause: error, details: { host: config.name } },
        );
      }
      const timedOut = /timed out/i.test(message);
      throw new OpsAgentError(
        timedOut
          ? 'SSH_CONNECT_TIMEOUT'
          : /authentication/i.test(message)
            ? 'SSH_AUTH_FAILED'
            : 'SSH_UNREACHABLE',
        `cannot connect to ${config.name} (${config.user}@${config.address}:${config.port}): ${message}` +
          (timedOut ? ` (no SSH handshake within ${timings.connectTimeoutMs} ms)` : ''),
        { category: 'third-party', retryable: true, cause: error },
      );
    }
    this.logger.debug({ ms: Date.now() - started }, 'ssh connected');
    ssh.connection?.on('close', () => {
      if (this.ssh === ssh) this.ssh = undefined;
    });
    ssh.connection?.on('error', (error: Error) => {
      this.logger.warn({ err: error.message }, 'ssh connection error');
    });
    this.ssh = ssh;
    return ssh;
  }

  /**
   * How this host logs in: the key file (with its passphrase, when it has one) or the ssh-agent.
   * Throws a coded error naming the host and the fix when that cannot work: an unreadable key,
   * an encrypted key with no passphrase configured or an empty passphrase variable, or no key
   * and no agent.
   */
  private credentials(): { privateKey: string; passphrase?: string } | { agent: string } {
    const { config } = this;
    if (!config.keyFile) {
      const agent = config.agent ?? this.env.SSH_AUTH_SOCK;
      if (!agent) {
        throw new OpsAgentError(
          'SSH_NO_CREDENTIALS',
          `host ${config.name} has no keyFile and SSH_AUTH_SOCK is not set; give hosts[].keyFile or run an ssh-agent`,
          { category: 'user', details: { host: config.name } },
        );
      }
      if (!existsSync(agent)) {
        throw new OpsAgentError(
          'SSH_AGENT_UNAVAILABLE',
          `host ${config.name} logs in with the ssh-agent, but its socket ${agent} does not exist: start ssh-agent and ssh-add the key (and pass its SSH_AUTH_SOCK to opsagent), or give hosts[].keyFile`,
          { category: 'user', details: { host: config.name } },
        );
      }
      return { agent };
    }
    const { text: privateKey, info } = this.readKey();
    const passphrase = this.passphrase();
    if (passphrase !== undefined) return { privateKey, passphrase };
    if (info.encrypted) throw this.passphraseError(config.passphraseEnv ? 'empty' : 'missing');
    return { privateKey };
  }

  private readKey(): { text: string; info: PrivateKeyInfo } {
    const { config } = this;
    try {
      const text = readFileSync(config.keyFile ?? '', 'utf8');
      return { text, info: privateKeyInfo(text) };
    } catch (error) {
      throw new OpsAgentError(
        'SSH_KEY_UNREADABLE',
        `cannot read the key file of ${config.name} (${config.keyFile}): ${(error as NodeJS.ErrnoException).code ?? errorMessage(error)}`,
        { category: 'user', cause: error, details: { host: config.name } },
      );
    }
  }

  /** The configured passphrase, or undefined when none is (an empty variable counts as none). */
  private passphrase(): string | undefined {
    const { config } = this;
    if (config.passphrase) return config.passphrase;
    const value = config.passphraseEnv ? this.env[config.passphraseEnv] : undefined;
    return value ? value : undefined;
  }

  /**
   * What is wrong with the key's passphrase, before connecting: `missing` (the key is encrypted
   * and no passphrase is configured), `empty` (the variable named by `passphraseEnv` is unset or
   * empty), `unused` (a passphrase is configured but the key is not encrypted), or undefined
   * when it is fine or there is no key file. For `opsagent doctor`.
   */
  keyProblem(): 'missing' | 'empty' | 'unused' | undefined {
    if (!this.config.keyFile) return undefined;
    const { info } = this.readKey();
    const configured =
      this.config.passphrase !== undefined || this.config.passphraseEnv !== undefined;
    if (!info.encrypted) return configured ? 'unused' : undefined;
    if (this.passphrase() !== undefined) return undefined;
    return this.config.passphraseEnv ? 'empty' : 'missing';
  }

  private passphraseError(kind: 'missing' | 'empty' | 'wrong'): OpsAgentError {
    const { config } = this;
    const variable = config.passphraseEnv;
    const suggested = `${config.name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_KEY_PASSPHRASE`;
    const key = `the key file of ${config.name} (${config.keyFile})`;
    const details = { host: config.name, ...(variable ? { passphraseEnv: variable } : {}) };
    if (kind === 'wrong') {
      return new OpsAgentError(
        'SSH_KEY_PASSPHRASE_WRONG',
        `the passphrase ${variable ? `in ${variable} ` : ''}does not decrypt ${key}: check the value (\`ssh-keygen -y -f ${config.keyFile}\` asks for it and tells)`,
        { category: 'user', details },
      );
    }
    if (kind === 'empty') {
      return new OpsAgentError(
        'SSH_KEY_PASSPHRASE_EMPTY',
        `${key} is protected by a passphrase and hosts[].passphraseEnv of ${config.name} names ${variable}, but ${variable} is not set or empty: set it in the agent's environment (or the .env file beside opsagent.yaml)`,
        { category: 'user', details },
      );
    }
    return new OpsAgentError(
      'SSH_KEY_PASSPHRASE_MISSING',
      `${key} is protected by a passphrase, and none is configured: set hosts[].passphraseEnv of ${config.name} to a variable holding it (e.g. passphraseEnv: ${suggested}, then set ${suggested} in the environment), or load the key into an ssh-agent (ssh-add) and remove keyFile`,
      { category: 'user', details },
    );
  }

  /**
   * Runs a command line (already quoted: see `shellCommand`) and resolves with its output, or
   * rejects with `TIMEOUT` after `timeoutMs` (the channel, or a stuck connection, is closed).
   * A connection that dropped is opened again once.
   */
  async exec(command: string, options: ExecOptions = {}): Promise<CommandResult> {
    const timeoutMs = options.timeoutMs ?? this.timings.commandTimeoutMs;
    const signal = options.signal;
    if (signal?.aborted) throw signal.reason;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    let channel: { close(): void; signal?(name: string): void } | undefined;
    let ssh: NodeSSH | undefined;
    const stop = new Promise<never>((_, reject) => {
      const kill = (error: unknown) => {
        if (channel) {
          try {
            channel.signal?.('KILL');
          } catch {
            // not every server honours signals
          }
          channel.close();
        } else if (ssh) {
          // The channel never opened: the connection is wedged; drop it so the next call reconnects.
          ssh.dispose();
          if (this.ssh === ssh) this.ssh = undefined;
        }
        reject(error);
      };
      timer = setTimeout(
        () =>
          kill(
            new OpsAgentError(
              'TIMEOUT',
              `command on ${this.config.name} timed out after ${timeoutMs} ms: ${command.slice(0, 120)}`,
              { category: 'third-party', retryable: true, details: { host: this.config.name } },
            ),
          ),
        timeoutMs,
      );
      timer.unref?.();
      onAbort = () => kill(signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    let finished = false;
    const run = async (): Promise<CommandResult> => {
      const release = await this.acquire();
      try {
        return await attempt();
      } finally {
        release();
      }
    };
    const attempt = async (): Promise<CommandResult> => {
      for (let attempt = 0; ; attempt += 1) {
        ssh = await this.connection();
        // Timed out or aborted while waiting: never start the command late.
        if (finished)
          throw new OpsAgentError(
            'TIMEOUT',
            `command on ${this.config.name} was not started in time`,
          );
        try {
          const result = await ssh.execCommand(command, {
            noTrim: options.noTrim ?? false,
            onChannel: (c: { close(): void }) => {
              channel = c;
            },
          });
          if (result.code === null && result.signal === null) {
            // No exit status and no signal: the channel closed under the command. Give the
            // connection's own close a turn to land, then tell a lost host from a quiet one.
            await new Promise((resolve) => setImmediate(resolve));
            if (!ssh.isConnected()) {
              if (this.ssh === ssh) this.ssh = undefined;
              throw new OpsAgentError(
                'SSH_CONNECTION_LOST',
                `the connection to ${this.config.name} was lost while running: ${command.slice(0, 120)}; it was not run again`,
                { category: 'third-party', retryable: true, details: { host: this.config.name } },
              );
            }
          }
          return { stdout: result.stdout, stderr: result.stderr, code: result.code };
        } catch (error) {
          if (isOpsAgentError(error, 'SSH_CONNECTION_LOST')) throw error;
          // "Not connected" / "No response from server": the connection died under us.
          if (attempt === 0 && !ssh.isConnected()) {
            this.logger.info({ err: errorMessage(error) }, 'ssh connection lost; reconnecting');
            if (this.ssh === ssh) this.ssh = undefined;
            continue;
          }
          throw new OpsAgentError(
            'SSH_COMMAND_FAILED',
            `command on ${this.config.name} failed: ${errorMessage(error)}`,
            { category: 'third-party', retryable: true, cause: error },
          );
        }
      }
    };
    try {
      return await Promise.race([run(), stop]);
    } finally {
      finished = true;
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  }

  /** A channel slot: at most {@link MAX_CHANNELS} commands run at once on the connection. */
  private async acquire(): Promise<() => void> {
    if (this.active >= MAX_CHANNELS) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.active += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active -= 1;
      this.queue.shift()?.();
    };
  }

  /** Closes the connection. */
  dispose(): void {
    this.ssh?.dispose();
    this.ssh = undefined;
  }
}
