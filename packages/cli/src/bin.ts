#!/usr/bin/env node
// Kept free of imports that need a newer Node, so an old Node gets this message, not a stack trace.
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(
    `opsagent needs Node.js >= 22.12 (24 LTS recommended); this is ${process.version}. Install Node 24 and try again.\n`,
  );
  process.exit(1);
}
const { runCli } = await import('./main.js');
const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});
// Exit once output is flushed, even if a library left a timer or socket open.
process.stdout.write('', () => process.exit(code));
