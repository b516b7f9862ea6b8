// Fails early, with the fix, when the Node.js that npm scripts resolve is older than 22.12.
// On Linux x64/arm64, macOS x64 and Windows x64, `npm install` puts Node 24 into
// node_modules/.bin (optionalDependencies on the node-<os>-<cpu> packages), so this only
// trips on other platforms with an old system Node.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(
    `opsagent needs Node.js >= 22.12 (24 LTS recommended); this is ${process.version}.\n` +
      'Install Node 24 (https://nodejs.org or your version manager) and run the command again.',
  );
  process.exit(1);
}
