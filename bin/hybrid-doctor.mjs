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

// Node strips the types of every .ts file it loads, at each start: ~200 ms of CPU for `explain`
// alone. For `explain` (a paste-and-answer command with a 150 ms aim) the compile cache keeps the
// stripped and compiled modules on disk (keyed by content, in $XDG_CACHE_HOME or ~/.cache,
// hybrid-doctor/node-compile-cache — a cache folder, not the run's temp folder, which a run leaves
// empty; NODE_DISABLE_COMPILE_CACHE=1 turns it off). Not for the long-running commands: their start
// is a small share of their time, and a `diagnose` run concurrent with another once hung in
// Node's exit path (main thread parked on a futex) after writing the shared cache.
if (process.argv[2] === 'explain') {
  const { enableCompileCache } = await import('node:module');
  const { homedir } = await import('node:os');
  const { join } = await import('node:path');
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  try {
    enableCompileCache?.(join(base, 'hybrid-doctor', 'node-compile-cache'));
  } catch {
    // a read-only home: run without the cache
  }
}

// `diagnose` lists tens of thousands of objects in short-lived pages: a small young generation
// keeps peak RSS near the live set (bench/diagnose-scale.ts: ~390 MB → ~260 MB at 10,000 pods).
// V8 takes that flag only at start, so re-run this process with it once.
const SEMI = '--max-semi-space-size=4';
if (process.argv[2] === 'diagnose' && !process.execArgv.includes(SEMI)) {
  const { spawn } = await import('node:child_process');
  // --timings counts this parent's share too (helpers/timings.ts): the child gets our start time.
  const env = process.argv.includes('--timings') ? { ...process.env, HYBRID_DOCTOR_PARENT_TIME_ORIGIN: String(performance.timeOrigin) } : process.env;
  const child = spawn(process.execPath, [SEMI, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env });
  // Forwarded: the child cleans up its probe namespaces and exits 130/143 (helpers/kube/probe-namespace.ts),
  // within its 20 s cleanup bound. A child still there well after that bound is stuck (seen once:
  // parked in Node's exit path), and an orphan would hold this command's stdout/stderr open: end it.
  let watchdog;
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => {
      child.kill(sig);
      watchdog ??= setTimeout(() => {
        process.stderr.write(`hybrid-doctor: the diagnosis did not exit 30 s after ${sig}; stopping it (probe namespaces labelled app.kubernetes.io/managed-by=hybrid-doctor may remain: kubectl get ns -l app.kubernetes.io/managed-by=hybrid-doctor).\n`);
        child.kill('SIGKILL');
      }, 30_000);
    });
  }
  const { constants } = await import('node:os');
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1)));
} else {
  const { main } = await import('../helpers/cli/main.ts');
  process.exitCode = await main(process.argv.slice(2));
}
