import { homedir } from 'node:os';
import { posix, win32 } from 'node:path';

/**
 * The folder opsagent keeps its state in (the SQLite file, plugin data), by platform convention:
 *
 * - `OPSAGENT_DATA_DIR`, when set, everywhere;
 * - Linux and other Unixes: `$XDG_STATE_HOME/opsagent`, else `~/.local/state/opsagent`;
 * - macOS: `~/Library/Application Support/opsagent`;
 * - Windows: `%LOCALAPPDATA%\opsagent`, else `%USERPROFILE%\AppData\Local\opsagent`.
 *
 * Pure: it reads only `env` (and the OS home folder when `HOME`/`USERPROFILE` are unset) and
 * creates nothing.
 */
export function defaultDataDir(
  env: Readonly<Record<string, string | undefined>> = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  const explicit = env.OPSAGENT_DATA_DIR;
  if (explicit) return explicit;
  if (platform === 'win32') {
    const local = env.LOCALAPPDATA || win32.join(env.USERPROFILE || homedir(), 'AppData', 'Local');
    return win32.join(local, 'opsagent');
  }
  const home = env.HOME || homedir();
  if (platform === 'darwin') {
    return posix.join(home, 'Library', 'Application Support', 'opsagent');
  }
  // The XDG spec says relative paths are invalid and must be ignored.
  const state = env.XDG_STATE_HOME;
  if (state && posix.isAbsolute(state)) return posix.join(state, 'opsagent');
  return posix.join(home, '.local', 'state', 'opsagent');
}
