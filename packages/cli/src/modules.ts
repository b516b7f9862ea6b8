import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { assertPlugin, OpsAgentError, type Plugin } from '@opsagent/core';

const CONDITIONS = ['import', 'node', 'default'];

/** The file an ESM `import` of a package's entry (or subpath) resolves to, from `baseDir`. */
function resolvePackage(spec: string, baseDir: string): string | undefined {
  const parts = spec.split('/');
  const nameLength = spec.startsWith('@') ? 2 : 1;
  const name = parts.slice(0, nameLength).join('/');
  const subpath = parts.length > nameLength ? `./${parts.slice(nameLength).join('/')}` : '.';
  for (let dir = resolve(baseDir); ; dir = dirname(dir)) {
    const root = join(dir, 'node_modules', name);
    const manifest = join(root, 'package.json');
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as {
        exports?: unknown;
        main?: string;
      };
      const target = exportTarget(pkg.exports, subpath) ?? (subpath === '.' ? pkg.main : subpath);
      return target ? join(root, target) : join(root, 'index.js');
    }
    if (dirname(dir) === dir) break;
  }
  try {
    return createRequire(join(baseDir, 'opsagent.yaml')).resolve(spec);
  } catch {
    return undefined;
  }
}

function exportTarget(exports: unknown, subpath: string): string | undefined {
  if (exports === undefined || exports === null) return undefined;
  if (typeof exports === 'string') return subpath === '.' ? exports : undefined;
  if (typeof exports !== 'object') return undefined;
  const map = exports as Record<string, unknown>;
  const keys = Object.keys(map);
  const entry = keys.some((k) => k.startsWith('.'))
    ? map[subpath]
    : subpath === '.'
      ? map
      : undefined;
  return pick(entry);
}

function pick(entry: unknown): string | undefined {
  if (typeof entry === 'string') return entry;
  if (Array.isArray(entry)) {
    for (const item of entry) {
      const found = pick(item);
      if (found) return found;
    }
    return undefined;
  }
  if (entry && typeof entry === 'object') {
    const map = entry as Record<string, unknown>;
    for (const condition of CONDITIONS) if (condition in map) return pick(map[condition]);
  }
  return undefined;
}

function isPath(spec: string): boolean {
  return spec.startsWith('.') || isAbsolute(spec) || spec.startsWith('file:');
}

/**
 * Imports the plugins listed under `modules:` of opsagent.yaml: package names are resolved from
 * `baseDir` (the config file's folder) upwards, paths relative to it. A module may export its
 * plugin as the default export, as `plugin`, or a list of plugins as the default export; each is
 * checked with {@link assertPlugin}.
 *
 * @throws OpsAgentError `PLUGIN_NOT_FOUND` naming the module and the fix; `PLUGIN_INVALID` when a
 *   module exports no plugin or a malformed one; `PLUGIN_LOAD_FAILED` when importing it throws
 */
export async function importPluginModules(
  specs: readonly string[],
  baseDir: string,
): Promise<Plugin[]> {
  const plugins: Plugin[] = [];
  for (const spec of specs) {
    const file = spec.startsWith('file:')
      ? new URL(spec).pathname
      : isPath(spec)
        ? resolve(baseDir, spec)
        : resolvePackage(spec, baseDir);
    if (file === undefined || !existsSync(file)) {
      throw new OpsAgentError(
        'PLUGIN_NOT_FOUND',
        isPath(spec)
          ? `module "${spec}" (under modules: in opsagent.yaml) is not a file: looked for ${file}`
          : `module "${spec}" (under modules: in opsagent.yaml) is not installed: run "npm install ${spec}" in ${baseDir}${file ? ` (its entry ${file} is missing: is it built?)` : ''}`,
        { category: 'user', details: { module: spec, baseDir } },
      );
    }
    let exported: Record<string, unknown>;
    try {
      exported = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    } catch (error) {
      throw new OpsAgentError(
        'PLUGIN_LOAD_FAILED',
        `module "${spec}" failed to load: ${error instanceof Error ? error.message : String(error)}`,
        { category: 'user', cause: error, details: { module: spec, file } },
      );
    }
    const candidate = exported.default ?? exported.plugin;
    const list = Array.isArray(candidate) ? candidate : [candidate];
    if (candidate === undefined) {
      throw new OpsAgentError(
        'PLUGIN_INVALID',
        `module "${spec}" exports no plugin: export default definePlugin({ name, setup }) (or a named export "plugin")`,
        { category: 'user', details: { module: spec, exports: Object.keys(exported) } },
      );
    }
    list.forEach((plugin, i) => {
      assertPlugin(plugin, `module "${spec}"${list.length > 1 ? ` (plugin ${i + 1})` : ''}`);
      plugins.push(plugin);
    });
  }
  return plugins;
}
