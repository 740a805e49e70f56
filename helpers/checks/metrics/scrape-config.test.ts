import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runChecks, testContext } from '../test-context.ts';
import { scrapeConfigCheck } from './index.ts';
import { lintScrapeConfig } from './scrape-config.ts';

const FIX = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const lint = (file: string, metricsUrl: string) => lintScrapeConfig(readFileSync(join(FIX, file), 'utf8'), { metricsUrl, path: file });
const details = (file: string, url: string) => lint(file, url).findings.map((f) => String(f.params.detail));

const HTTP = 'http://harbor.yourdomain.com:9090/metrics';
const HTTPS = 'https://harbor.yourdomain.com:9090/metrics';

describe('scrape-config lint', () => {
  it.each([
    // The guide (Step 16): right host, port and path; plain http by default; exporter only.
    ['scrape-guide.yaml', HTTP, [/comp: \[core\]/]],
    ['scrape-guide.yaml', HTTPS, [/scheme http \(the default\) but the metrics endpoint speaks https/, /comp: \[core\]/]],
    ['scrape-healthy.yaml', HTTP, []],
    ['scrape-healthy.yaml', HTTPS, [/scheme http/, /scheme http/, /scheme http/]],
    ['scrape-https-no-ca.yaml', HTTPS, [/without tls_config.ca_file/]],
    ['scrape-wrong.yaml', HTTP, [/must be host:port/, /port 8080/, /metrics_path \/api\/v2.0\/metrics/]],
    ['scrape-malformed-static.yaml', HTTP, [/static_configs is not a list/, /no static_configs targets/]],
    ['scrape-no-harbor.yaml', HTTP, [/no job scrapes harbor.yourdomain.com:9090/]],
    ['scrape-bad-yaml.yaml', HTTP, [/malformed YAML at line \d+:\d+/]],
  ] as const)('%s vs %s', (file, url, expected) => {
    const got = details(file, url);
    expect(got).toHaveLength(expected.length);
    expected.forEach((re, i) => expect(got[i]).toMatch(re));
    for (const f of lint(file, url).findings) expect(f.cause).toBe('metrics.scrape-config-invalid');
  });

  it('a metrics URL that names a component needs no core job', () => {
    expect(details('scrape-guide.yaml', `${HTTP}?comp=core`)).toEqual([]);
  });

  it('ConfigMap without prometheus.yml is reported, not thrown', () => {
    const r = lintScrapeConfig('apiVersion: v1\nkind: ConfigMap\ndata:\n  other: x\n', { metricsUrl: HTTP, path: 'cm.yaml' });
    expect(r.findings.map((f) => f.params.detail)).toEqual(['ConfigMap has no data["prometheus.yml"] (keys: other)']);
  });

  it('the check reads target.metrics.scrapeConfig relative to the target file', async () => {
    const ctx = testContext({ metrics: { url: HTTP, scrapeConfig: 'scrape-guide.yaml' } }, {}, { baseDir: FIX });
    const [r] = await runChecks([scrapeConfigCheck], ctx);
    expect(r!.findings.map((f) => f.cause)).toEqual(['metrics.scrape-config-invalid']);
    const missing = testContext({ metrics: { url: HTTP, scrapeConfig: 'nope.yaml' } }, {}, { baseDir: FIX });
    const [m] = await runChecks([scrapeConfigCheck], missing);
    expect(m!.findings[0]!.params.detail).toMatch(/ENOENT/);
  });
});
