#!/usr/bin/env node
// Entry point. The CLI is TypeScript run by Node 24's type stripping; npm/npx put the project's
// Node 24 (the `node` package) first on PATH. An older Node gets a clear message, not a crash.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `hybrid-doctor needs Node.js 24 (this is ${process.versions.node}). Run it through npm so the project's Node is used:\n` +
      `  npx hybrid-doctor ...   or   npm run hybrid-doctor -- ...\n`,
  );
  process.exit(2);
}
const { main } = await import('../helpers/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
