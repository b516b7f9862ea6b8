import { open } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { errorMessage, type Logger } from '@opsagent/core';
import type { HostTarget } from './target.js';

/** A context file as read: where from and its (possibly cut) text. */
export interface ContextFile {
  host: string;
  path: string;
  text: string;
  /** True when the file was longer than the cap. */
  truncated: boolean;
}

/** `~/x` and relative paths against `base`. */
export function expandPath(path: string, base: string): string {
  if (path === '~' || path.startsWith('~/')) return join(homedir(), path.slice(1));
  return isAbsolute(path) ? path : resolve(base, path);
}

async function readLocal(
  path: string,
  maxBytes: number,
): Promise<{ text: string; truncated: boolean } | undefined> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, 'r');
    const buffer = Buffer.alloc(maxBytes + 1);
    const { bytesRead } = await handle.read(buffer, 0, maxBytes + 1, 0);
    return {
      text: buffer.subarray(0, Math.min(bytesRead, maxBytes)).toString('utf8'),
      truncated: bytesRead > maxBytes,
    };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  } finally {
    await handle?.close();
  }
}

/**
 * Reads context files (CLAUDE.md, AGENTS.md, runbooks), each cut at `maxBytes`: local paths
 * relative to `baseDir`, remote ones relative to the login's home, read with `head -c`. Missing
 * files are skipped; unreadable ones are logged and skipped.
 */
export async function readContextFiles(
  requests: ReadonlyArray<{ target: HostTarget; paths: readonly string[] }>,
  options: { maxBytes: number; baseDir: string; logger: Logger; signal?: AbortSignal },
): Promise<ContextFile[]> {
  const jobs = requests.flatMap(({ target, paths }) =>
    paths.map(async (path): Promise<ContextFile | undefined> => {
      try {
        if (target.kind === 'local') {
          const full = expandPath(path, options.baseDir);
          const read = await readLocal(full, options.maxBytes);
          return read && { host: target.name, path: full, ...read };
        }
        const remotePath = path.startsWith('~/') ? path.slice(2) : path;
        const result = await target.run(
          [
            'sh',
            '-c',
            `test -r "$1" || exit 3; head -c ${options.maxBytes + 1} -- "$1"`,
            'sh',
            remotePath,
          ],
          {
            ...(options.signal ? { signal: options.signal } : {}),
          },
        );
        if (result.code === 3) return undefined;
        if (result.code !== 0) throw new Error(result.stderr || `exit ${result.code}`);
        const truncated = Buffer.byteLength(result.stdout) > options.maxBytes;
        const text = truncated
          ? Buffer.from(result.stdout).subarray(0, options.maxBytes).toString('utf8')
          : result.stdout;
        return { host: target.name, path, text, truncated };
      } catch (error) {
        options.logger.warn(
          { host: target.name, path, err: errorMessage(error) },
          'context file unreadable',
        );
        return undefined;
      }
    }),
  );
  return (await Promise.all(jobs)).filter((f): f is ContextFile => f !== undefined);
}

/** Context files as delimited text for the system prompt. */
export function contextFilesText(files: readonly ContextFile[]): string {
  return files
    .map(
      (f) =>
        `<file host="${f.host}" path="${f.path}"${f.truncated ? ' truncated="true"' : ''}>\n${f.text.replaceAll('</file>', '<\\/file>').trim()}\n</file>`,
    )
    .join('\n');
}
