#!/usr/bin/env node
// Installable for real: packs every publishable package with `npm pack`, lints each tarball with
// publint, installs the tarballs into a temporary project outside the repository (no workspace
// links), type-checks an ESM TypeScript file importing every package, imports each at run time,
// and runs the installed `opsagent status`. Run after `npm run build`: `node scripts/pack-check.mjs`.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const keep = process.argv.includes('--keep');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (result.status !== 0) {
    process.stderr.write(`${result.stdout ?? ''}${result.stderr ?? ''}`);
    throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status})`);
  }
  return result.stdout;
}

const packages = readdirSync(join(root, 'packages'), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => join(root, 'packages', d.name))
  .map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
  .filter(({ pkg }) => pkg.private !== true);

const work = mkdtempSync(join(tmpdir(), 'opsagent-pack-'));
const tarballs = join(work, 'tarballs');
mkdirSync(tarballs);
const failures = [];
try {
  // 1. Pack and lint.
  const packed = [];
  for (const { dir, pkg } of packages) {
    const missing = ['exports', 'types', 'files', 'engines', 'license', 'description'].filter(
      (field) => pkg[field] === undefined,
    );
    if (missing.length > 0) failures.push(`${pkg.name}: package.json lacks ${missing.join(', ')}`);
    try {
      readFileSync(join(dir, 'README.md'));
    } catch {
      failures.push(`${pkg.name}: no README.md`);
    }
    const out = run(npm, ['pack', '--json', '--pack-destination', tarballs], { cwd: dir });
    const [info] = JSON.parse(out);
    const tarball = join(tarballs, info.filename);
    packed.push({ name: pkg.name, tarball, bin: pkg.bin });
    const lint = spawnSync(process.execPath, [bin('publint'), tarball, '--strict'], {
      encoding: 'utf8',
    });
    const report = `${lint.stdout}${lint.stderr}`.trim();
    if (lint.status !== 0) failures.push(`${pkg.name}: publint\n${report}`);
    process.stdout.write(`packed ${info.filename} (${info.entryCount} files)\n`);
  }

  // 2. Install the tarballs into a project of their own.
  const project = join(work, 'project');
  mkdirSync(project);
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify(
      {
        name: 'opsagent-pack-check',
        private: true,
        type: 'module',
        dependencies: Object.fromEntries(packed.map((p) => [p.name, `file:${p.tarball}`])),
      },
      null,
      2,
    ),
  );
  run(npm, ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: project });
  process.stdout.write(`installed ${packed.length} packages into ${project}\n`);

  // 3. Type-check an ESM TypeScript file that imports every package.
  const imports = packed
    .map((p, i) => `import * as p${i} from '${p.name}';`)
    .concat(packed.map((p, i) => `console.log('${p.name}', Object.keys(p${i}).length);`))
    .join('\n');
  writeFileSync(
    join(project, 'check.ts'),
    `${imports}
import { createAgent, definePlugin, type Plugin } from '@opsagent/core';
const plugin: Plugin = definePlugin({ name: 'mine', setup: () => ({}) });
const agent = await createAgent({ plugins: [plugin] });
await agent.stop();
`,
  );
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'es2023',
        module: 'nodenext',
        moduleResolution: 'nodenext',
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        types: ['node'],
        typeRoots: [join(root, 'node_modules', '@types')],
      },
      files: ['check.ts'],
    }),
  );
  const tsc = spawnSync(process.execPath, [bin('tsc'), '-p', project], { encoding: 'utf8' });
  if (tsc.status !== 0)
    failures.push(`type-check of the installed packages:\n${tsc.stdout}${tsc.stderr}`);
  else process.stdout.write('type-checked an ESM TypeScript import of every package\n');

  // 4. Import each at run time, with the Node running this script (24).
  for (const p of packed) {
    const result = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', `await import('${p.name}')`],
      {
        cwd: project,
        encoding: 'utf8',
      },
    );
    if (result.status !== 0) failures.push(`import('${p.name}') failed:\n${result.stderr}`);
  }

  // 5. The installed command.
  const status = spawnSync(
    process.execPath,
    [join(project, 'node_modules', 'opsagent', 'bin', 'opsagent.js'), 'status'],
    {
      cwd: project,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: project, OPSAGENT_DATA_DIR: join(project, 'data') },
      timeout: 60_000,
    },
  );
  if (status.status !== 0 || !/Memory/.test(status.stdout))
    failures.push(
      `installed opsagent status failed (exit ${status.status}):\n${status.stdout}${status.stderr}`,
    );
  else process.stdout.write(`installed \`opsagent status\` works:\n${status.stdout}`);
} finally {
  if (!keep) rmSync(work, { recursive: true, force: true });
  else process.stdout.write(`kept ${work}\n`);
}

if (failures.length > 0) {
  process.stderr.write(`\npack check failed:\n- ${failures.join('\n- ')}\n`);
  process.exit(1);
}
process.stdout.write('pack check passed\n');
