import { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

/** A started Allure CLI process (see reports/allure-child.ts), waiting for what to generate. */
export interface AllureHtml {
  /**
   * Generates the Allure HTML report locally with Allure 3 (no Java, no network) as one
   * self-contained page, then removes the Google Tag Manager snippet the report plugin hard-codes
   * (environment.md: the page would call out to Google; air-gapped and regulated users can't have
   * that). Allure's config file goes to `configDir` (the run's temp folder), never next to
   * `outDir`: the user's folders get only what they asked for. Returns the path of index.html.
   */
  generate(resultsDir: string, outDir: string, reportName: string): Promise<string>;
  /** Ends the waiting process when no report is wanted after all (idempotent). */
  cancel(): void;
}

/**
 * Starts Allure's CLI now, so its module loading overlaps whatever the caller does before it has
 * results (the suites); `generate` then only sends the arguments. The package's own CLI script,
 * run by this Node: no node_modules/.bin or PATH needed (the container image carries no .bin links
 * and no shell).
 */
export function startAllureHtml(configDir: string): AllureHtml {
  mkdirSync(configDir, { recursive: true });
  const cli = join(dirname(dirname(fileURLToPath(import.meta.resolve('allure')))), 'cli.js');
  const child = execa(process.execPath, [fileURLToPath(new URL('./allure-child.ts', import.meta.url))], {
    // Allure resolves relative paths and may keep state relative to its cwd: keep it in the temp folder.
    cwd: configDir,
    timeout: 180_000,
    stdin: 'pipe',
    reject: false,
    all: true,
    env: { ALLURE_NO_ANALYTICS: '1', HD_ALLURE_CLI: cli },
  });
  let sent = false;
  return {
    async generate(resultsDir, outDir, reportName) {
      if (sent) throw new Error('this Allure process already generated a report');
      sent = true;
      mkdirSync(outDir, { recursive: true });
      const config = join(configDir, 'allurerc.mjs');
      writeFileSync(
        config,
        `export default ${JSON.stringify({ name: reportName, output: resolve(outDir), plugins: { awesome: { options: { singleFile: true, reportName, reportLanguage: 'en', groupBy: ['parentSuite', 'suite', 'subSuite'] } } } })};\n`,
      );
      child.stdin!.end(JSON.stringify({ args: ['generate', resolve(resultsDir), '--config', config, '--output', resolve(outDir)], cwd: configDir }));
      const r = await child;
      if (r.exitCode !== 0) throw new Error(`allure generate failed (${r.timedOut ? 'timed out' : `exit ${r.exitCode ?? r.signal}`}): ${String(r.all ?? '').trim().split('\n').slice(-3).join(' ')}`);
      const stripped = stripTracking(outDir);
      const index = join(outDir, 'index.html');
      if (!existsSync(index)) throw new Error(`allure did not write ${index}`);
      if (stripped === 0 && /googletagmanager/i.test(readFileSync(index, 'utf8'))) throw new Error('could not strip the tracking snippet from the Allure report');
      return index;
    },
    cancel() {
      if (sent) return;
      sent = true;
      child.stdin?.end();
      child.catch(() => undefined);
    },
  };
}

/** Removes Google Tag Manager / gtag scripts from every HTML file in the report folder. */
export function stripTracking(dir: string): number {
  let removed = 0;
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    if (!name.endsWith('.html')) continue;
    const file = join(dir, name);
    const html = readFileSync(file, 'utf8');
    const out = html
      .replace(/<script[^>]*src=["'][^"']*googletagmanager\.com[^"']*["'][^>]*>\s*<\/script>/gi, () => (removed++, ''))
      .replace(/<script[^>]*>(?:(?!<\/script>)[\s\S])*?(?:gtag\(|dataLayer)(?:(?!<\/script>)[\s\S])*?<\/script>/gi, () => (removed++, ''))
      .replace(/<noscript>(?:(?!<\/noscript>)[\s\S])*?googletagmanager(?:(?!<\/noscript>)[\s\S])*?<\/noscript>/gi, () => (removed++, ''))
      .replace(/<link[^>]*googletagmanager[^>]*>/gi, () => (removed++, ''));
    if (out !== html) writeFileSync(file, out);
  }
  return removed;
}
