/**
 * The Allure CLI, warmed (started by reports/allure-html.ts while the suites run): it loads
 * Allure's command modules first — most of the HTML step's time, ~0.45 s of ~0.6 s — then waits
 * for one JSON object on stdin, `{ "args": [...], "cwd": "..." }`, and runs Allure's own CLI with
 * those arguments, exactly as `node <allure>/cli.js ...args` would. End of input without it (the
 * run wrote no HTML, or the parent went away) ends this process quietly.
 */
import { pathToFileURL } from 'node:url';

const cli = process.env.HD_ALLURE_CLI;
if (!cli) throw new Error('HD_ALLURE_CLI is not set');
// cli.js imports ./dist/index.js, which imports ./commands/index.js (core, readers, plugins).
await import(new URL('./dist/commands/index.js', pathToFileURL(cli)).href);
let input = '';
for await (const chunk of process.stdin) input += String(chunk);
if (input.trim()) {
  const { args, cwd } = JSON.parse(input) as { args: string[]; cwd: string };
  process.chdir(cwd);
  // In place: Allure's index.js reads the `argv` binding of node:process, the same array.
  process.argv.splice(2, process.argv.length - 2, ...args);
  await import(pathToFileURL(cli).href);
}
