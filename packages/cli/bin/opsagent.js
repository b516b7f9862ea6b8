#!/usr/bin/env node
// The `opsagent` command. Plain JavaScript that exists before any build, so npm can link it at
// install time; it checks the Node version first, so an old Node gets a message, not a stack trace.
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(
    `opsagent needs Node.js >= 22.12 (24 LTS recommended); this is ${process.version}. Install Node 24 and try again.\n`,
  );
  process.exit(1);
}
let main;
try {
  main = await import('../dist/main.js');
} catch (error) {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/main.js')) {
    process.stderr.write(
      'opsagent is not built yet: run `npm run build` in the repository first.\n',
    );
    process.exit(1);
  }
  throw error;
}
const code = await main.runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});
// Exit once output is flushed, even if a library left a timer or socket open.
process.stdout.write('', () => process.exit(code));
