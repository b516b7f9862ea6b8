// Runs every benchmark of this folder (each `<name>/run.mjs`) one after the other, so no two
// compete for the CPU; each writes bench/results/<name>.json. `npm run bench` at the root.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);
// Long runs (the 10-minute soak) only when named: `node run-all.mjs soak`.
const LONG = new Set(['soak']);
const names = readdirSync(here, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(`${here}${d.name}/run.mjs`))
  .map((d) => d.name)
  .filter((name) => (only.length === 0 ? !LONG.has(name) : only.includes(name)))
  .sort();
const failed = [];
for (const name of names) {
  process.stdout.write(`\n== bench/${name}\n`);
  const result = spawnSync(process.execPath, [`${name}/run.mjs`], { cwd: here, stdio: 'inherit' });
  if (result.status !== 0) failed.push(name);
}
if (failed.length > 0) {
  process.stderr.write(`\nfailed: ${failed.join(', ')}\n`);
  process.exit(1);
}
