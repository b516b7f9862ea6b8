import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, runCli } from '../helpers/cli.js';

const example = fileURLToPath(new URL('../../examples/custom-plugin', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'opsagent-modules-'));
const server = http.createServer((req, res) => {
  res.statusCode = req.url === '/down' ? 503 : 200;
  res.end();
});
let base = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // A project folder with the example plugin "installed", as `npm install` would link it.
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(example, join(dir, 'node_modules', 'opsagent-plugin-http-checks'), 'dir');
});
afterAll(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI asynchronously, so the HTTP server in this process keeps answering. */
function opsagent(args: string[], config: string) {
  const file = join(dir, `case-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, config);
  return runCli([...args, '--config', file], { cwd: dir, env: cliEnv(dir) });
}

describe('third-party plugins under modules:', () => {
  it('loads an installed package by name and shows its source in status', async () => {
    const result = await opsagent(
      ['status'],
      `modules: [opsagent-plugin-http-checks]
plugins:
  http-checks:
    endpoints:
      - { name: shop, url: "${base}/ok" }
      - { name: billing, url: "${base}/down" }
`,
    );
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain(`shop (${base}/ok)`);
    expect(result.stdout).toContain(`billing (${base}/down)`);
    expect(result.stdout).toContain('unexpected status 503');
  });

  it('loads a local file relative to the config file', async () => {
    writeFileSync(
      join(dir, 'hello-plugin.mjs'),
      `export default {
  name: 'hello',
  setup: () => ({
    sources: [{ name: 'hello', status: async () => ({ health: 'ok', sections: [{ title: 'hello from a file', fields: [] }] }) }],
  }),
};
`,
    );
    const result = await opsagent(['status'], 'modules: [./hello-plugin.mjs]\n');
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('hello from a file');
  });

  it('validates the module’s section against its schema, naming the field', async () => {
    const result = await opsagent(
      ['status'],
      `modules: [opsagent-plugin-http-checks]
plugins:
  http-checks:
    endpoints: [{ name: shop, url: "ftp://nope" }]
`,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('plugins.http-checks.endpoints[0].url');
    expect(result.stderr).toContain('http:// or https://');
  });

  it('says how to install a package that is missing', async () => {
    const result = await opsagent(['status'], 'modules: [opsagent-plugin-nope]\n');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('module "opsagent-plugin-nope"');
    expect(result.stderr).toContain('npm install opsagent-plugin-nope');
  });

  it('refuses a module that exports no plugin', async () => {
    writeFileSync(join(dir, 'not-a-plugin.mjs'), 'export const answer = 42;\n');
    const result = await opsagent(['status'], 'modules: [./not-a-plugin.mjs]\n');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('exports no plugin');
    writeFileSync(join(dir, 'bad-plugin.mjs'), 'export default { name: "x" };\n');
    const bad = await opsagent(['status'], 'modules: [./bad-plugin.mjs]\n');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('has no `setup(ctx)` function');
  });
});
