import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, Socket as NetSocket, type Server, type Socket } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';

/** Where OpenSSH's server is expected; tests skip with this reason when it is absent. */
export const SSHD_PATH = '/usr/sbin/sshd';

/** Why SSH tests cannot run here, or undefined when they can. */
export function sshdUnavailableReason(): string | undefined {
  if (!existsSync(SSHD_PATH)) return `${SSHD_PATH} not found (install openssh-server)`;
  try {
    execFileSync('ssh-keygen', ['-?'], { stdio: 'ignore' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'ssh-keygen not found';
  }
  return undefined;
}

/** Options of {@link startTestSshd}. */
export interface TestSshdOptions {
  /** How many ports to listen on (one sshd process); default 1. */
  ports?: number;
  /** Executables put first on the session PATH, by name (e.g. a fake `docker`): file contents. */
  bin?: Record<string, string>;
  /** Files written into the folder, by relative path (`bin/x` lands on the PATH, mode 755). */
  files?: Record<string, string>;
}

/** A real OpenSSH server on 127.0.0.1 with a throwaway host key and client key. */
export interface TestSshd {
  /** The ports it listens on. */
  readonly ports: number[];
  /** The first port. */
  readonly port: number;
  /** The login user (whoever runs the tests). */
  readonly user: string;
  /** Private key file the server accepts. */
  readonly clientKeyPath: string;
  /** A known_hosts file listing the server's key for every port. */
  readonly knownHostsPath: string;
  /** The host public key line (`ssh-ed25519 AAAA...`). */
  readonly hostPublicKey: string;
  /** The temporary folder (keys, config, `bin/`). */
  readonly dir: string;
  /** The folder on the session PATH holding `bin` executables. */
  readonly binDir: string;
  /** Stops the server and removes the folder. */
  close(): Promise<void>;
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function keygen(path: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'opsagent-test', '-f', path], {
    stdio: 'ignore',
  });
}

async function waitForPort(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`sshd exited with ${child.exitCode}: ${stderr()}`);
    const banner = await new Promise<boolean>((resolve) => {
      const socket = new NetSocket();
      socket.setTimeout(500);
      socket.once('data', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
      socket.once('timeout', () => {
        socket.destroy();
        resolve(false);
      });
      socket.connect(port, '127.0.0.1');
    });
    if (banner) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`sshd did not listen on ${port}: ${stderr()}`);
}

/**
 * Starts `/usr/sbin/sshd -D -e` on 127.0.0.1 (free ports) with a generated ed25519 host key and an
 * authorized client key in a temporary folder; `bin` executables come first on the session PATH
 * (through `SetEnv`). Logs in as the user running the tests.
 */
export async function startTestSshd(options: TestSshdOptions = {}): Promise<TestSshd> {
  const reason = sshdUnavailableReason();
  if (reason) throw new Error(`cannot start sshd: ${reason}`);
  const dir = mkdtempSync(join(tmpdir(), 'opsagent-sshd-'));
  chmodSync(dir, 0o700);
  const binDir = join(dir, 'bin');
  mkdirSync(binDir);
  for (const [name, text] of Object.entries(options.bin ?? {})) {
    writeFileSync(join(binDir, name), text, { mode: 0o755 });
  }
  for (const [relative, text] of Object.entries(options.files ?? {})) {
    const target = join(dir, relative);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text, { mode: relative.startsWith('bin/') ? 0o755 : 0o644 });
  }
  const hostKey = join(dir, 'host_ed25519');
  const clientKey = join(dir, 'client_ed25519');
  keygen(hostKey);
  keygen(clientKey);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${clientKey}.pub`), { mode: 0o600 });
  const ports: number[] = [];
  for (let i = 0; i < (options.ports ?? 1); i += 1) {
    let port = await freePort();
    while (ports.includes(port)) port = await freePort();
    ports.push(port);
  }
  const user = userInfo().username;
  const path = `${binDir}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`;
  const config = [
    ...ports.map((p) => `Port ${p}`),
    'ListenAddress 127.0.0.1',
    `HostKey ${hostKey}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    'StrictModes no',
    'UsePAM no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    'PermitRootLogin prohibit-password',
    `AllowUsers ${user}`,
    `SetEnv PATH=${path}`,
    'MaxStartups 200',
    'LogLevel ERROR',
    '',
  ].join('\n');
  const configPath = join(dir, 'sshd_config');
  writeFileSync(configPath, config);
  // sshd insists on its privilege separation folder when started as root.
  if (process.getuid?.() === 0 && !existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755 });
  const child = spawn(SSHD_PATH, ['-D', '-e', '-f', configPath], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // Never leave a server behind if the test process ends without calling close().
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  try {
    for (const port of ports) await waitForPort(port, child, () => stderr);
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const hostPublicKey = readFileSync(`${hostKey}.pub`, 'utf8')
    .trim()
    .split(' ')
    .slice(0, 2)
    .join(' ');
  const knownHostsPath = join(dir, 'known_hosts');
  writeFileSync(knownHostsPath, ports.map((p) => `[127.0.0.1]:${p} ${hostPublicKey}\n`).join(''));
  return {
    ports,
    port: ports[0] ?? 0,
    user,
    clientKeyPath: clientKey,
    knownHostsPath,
    hostPublicKey,
    dir,
    binDir,
    async close() {
      process.removeListener('exit', killOnExit);
      if (child.exitCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A TCP server on 127.0.0.1 that accepts connections and never says a word (a wedged host). */
export interface SilentTcpServer {
  readonly port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  close(): Promise<void>;
}

/** Starts a {@link SilentTcpServer}. */
export async function startSilentTcpServer(): Promise<SilentTcpServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server: Server = createServer((socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    get accepted() {
      return accepted;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
