#!/usr/bin/env node
// `opsagent-fakes`: runs one of opsagent's test doubles on 127.0.0.1 (see --help).
const { runFakes } = await import('../dist/cli/fakes.js');
const code = await runFakes(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
});
process.exitCode = code;
