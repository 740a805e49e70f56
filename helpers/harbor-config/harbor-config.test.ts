/**
 * harbor.yml lint over real fixtures (testdata/), each row checked twice: against the expected
 * cause ids, and against Harbor's own `prepare` (make/photon/prepare of the pinned v2.13.5 source
 * archive, extracted here): its parser and validator (`utils.configs.parse_yaml_config` +
 * `validate`, what `prepare` runs before it writes anything) are called by a tiny python3 script
 * in a temp folder, offline, without Docker. Whatever prepare rejects, the lint reports as an
 * error; a file prepare accepts gets no harbor.config-invalid, except the rows marked `stricter`,
 * where prepare passes a value through that breaks Harbor one step later (said per row).
 */
import { execFileSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAUSES } from '../findings/cause-ids.ts';
import type { Finding } from '../findings/finding.ts';
import { redactor } from '../redact.ts';
import { harborConfigCheck } from '../checks/harbor/config.ts';
import { runChecks, testContext } from '../checks/test-context.ts';
import { createRootCa, daysFromNow, issueServerCert } from '../net/test-pki.ts';
import { lintHarborConfigFile, lintHarborConfigText, type HarborConfigLint, type HarborConfigLintOptions } from './lint.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const TESTDATA = new URL('./testdata/', import.meta.url).pathname;
const VERSIONS = readFileSync(join(ROOT, 'docker/harbor/versions.env'), 'utf8');
const HARBOR_VERSION = /^HARBOR_VERSION=(\S+)/m.exec(VERSIONS)![1]!;
const ARCHIVE = join(ROOT, '..', 'shared', 'harbor', /^HARBOR_ARCHIVE=(\S+)/m.exec(VERSIONS)![1]!);

/** The passwords in the fixtures: never in a finding (the defaults are named, not printed). */
const PASSWORDS = ['Harbor12345', 'root123', '8c6d9f0e-changed-admin', '3f1b7a2c-changed-db'];

const TARGET: HarborConfigLintOptions = { url: 'https://harbor.example.test', metricsUrl: 'http://harbor.example.test:9090/metrics', expectPreventVul: true };

/** prepare's verdict per file: null = accepted, else the exception it stops with. */
const PREPARE_VERDICT = String.raw`
import json, logging, sys, types
logging.disable(logging.CRITICAL)
try:
    import distutils.command.config  # configs.py imports it; Python 3.12 dropped distutils
except ImportError:
    for n in ('distutils', 'distutils.command'):
        sys.modules.setdefault(n, types.ModuleType(n))
    m = types.ModuleType('distutils.command.config'); m.config = object
    sys.modules['distutils.command.config'] = m
sys.path.insert(0, sys.argv[1])
from utils.configs import parse_yaml_config, validate
out = {}
for f in sys.argv[2:]:
    try:
        validate(parse_yaml_config(f, with_trivy=True))
        out[f] = None
    except Exception as e:
        out[f] = type(e).__name__ + ': ' + str(e)
print(json.dumps(out))
`;

type Cause = Finding['cause'];
interface Row {
  file: string;
  /** Exact cause ids, sorted. */
  causes: Cause[];
  /** prepare's verdict: 'accepts', or what its rejection says. */
  prepare: 'accepts' | RegExp;
  opts?: HarborConfigLintOptions;
  /** Why the lint is stricter than prepare on this file. */
  stricter?: string;
  /** A finding's message must match. */
  message?: RegExp;
  /** A Prometheus config (testdata) linted with the file. */
  scrape?: string;
  /** Severities of the findings, in cause order, when not the cause ids' own. */
  severities?: Finding['severity'][];
}

const ROWS: Row[] = [
  { file: 'valid.yml', causes: [], prepare: 'accepts' },
  { file: 'harbor.yml.tmpl', causes: ['harbor.config-certificate', 'harbor.config-certificate', 'harbor.config-default-password', 'harbor.config-default-password', 'harbor.config-invalid', 'harbor.config-metrics', 'harbor.external-url-mismatch'], prepare: /Please specify hostname/ },
  // schema: unknown keys warn, wrong types and missing keys are errors
  { file: 'typo-hostname.yml', causes: ['harbor.config-unknown-key'], prepare: 'accepts', message: /has the key hostnmae .*did you mean hostname\?.*line 2:1/ },
  { file: 'typo-certificate.yml', causes: ['harbor.config-certificate', 'harbor.config-invalid', 'harbor.config-unknown-key'], prepare: /KeyError: 'certificate'/, message: /did you mean certificate\?/ },
  { file: 'missing-jobservice-key.yml', causes: ['harbor.config-invalid'], prepare: /KeyError: 'max_job_workers'/, message: /jobservice\.max_job_workers is invalid: missing/ },
  { file: 'missing-admin-password.yml', causes: ['harbor.config-invalid'], prepare: /KeyError: 'harbor_admin_password'/, message: /harbor_admin_password is invalid: missing \(prepare reads it\)/ },
  { file: 'jobservice-not-a-mapping.yml', causes: ['harbor.config-invalid'], prepare: /TypeError/, message: /jobservice is invalid: .*expected object, received string \(line 24:13\)/ },
  { file: 'log-level-verbose.yml', causes: ['harbor.config-invalid'], prepare: /log level must be one of/, message: /log\.level is invalid/ },
  { file: 'log-endpoint-http.yml', causes: ['harbor.config-invalid'], prepare: /Protocol in external log endpoint must be one of 'udp' or 'tcp'/ },
  { file: 'hostname-loopback.yml', causes: ['harbor.config-certificate', 'harbor.config-invalid', 'harbor.external-url-mismatch'], prepare: /127\.0\.0\.1 can not be the hostname/ },
  { file: 'https-without-certificate.yml', causes: ['harbor.config-certificate', 'harbor.config-invalid'], prepare: /KeyError: 'certificate'/ },
  { file: 'metric-without-port.yml', causes: ['harbor.config-invalid'], prepare: /KeyError: 'port'/ },
  { file: 'trace-without-exporter.yml', causes: ['harbor.config-invalid'], prepare: /Trace enabled but no trace exporter set/ },
  { file: 'purge-age-1h.yml', causes: ['harbor.config-invalid'], prepare: /purge upload age .* not be less than 2/ },
  { file: 'cache-without-expiry.yml', causes: ['harbor.config-invalid'], prepare: /cache expire hours should be positive number/ },
  { file: 'quota-provider-memcache.yml', causes: ['harbor.config-invalid'], prepare: /invalid quota update provider: memcache/ },
  { file: 'external-url-no-scheme.yml', causes: ['harbor.config-invalid', 'harbor.external-url-mismatch'], prepare: 'accepts', stricter: "prepare copies external_url into core's EXT_ENDPOINT as is; token realms and redirects built from a URL without a scheme fail", message: /external_url is invalid: must be a URL with scheme/ },
  { file: 'ca-bundle-missing.yml', causes: ['harbor.config-invalid'], prepare: /Can not get file info/ },
  { file: 'http-port-word.yml', causes: ['harbor.config-invalid'], prepare: 'accepts', stricter: 'prepare copies http.port into docker-compose.yml ("eighty:8080"), which docker compose refuses' },
  { file: 'metric-enabled-word.yml', causes: ['harbor.config-invalid'], prepare: 'accepts', stricter: 'prepare reads any non-empty string as true; a boolean was meant' },
  { file: 'yaml11-booleans.yml', causes: [], prepare: 'accepts' },
  { file: 'duplicate-key.yml', causes: [], prepare: 'accepts' },
  // malformed input: one error, never a stack trace
  { file: 'malformed.yml', causes: ['harbor.config-invalid'], prepare: /ParserError|ScannerError/, message: /malformed YAML at line \d+:\d+/ },
  { file: 'list.yml', causes: ['harbor.config-invalid'], prepare: /TypeError/, message: /a YAML mapping of settings, got a list/ },
  { file: 'empty.yml', causes: ['harbor.config-invalid'], prepare: /TypeError/, message: /got an empty document/ },
  // URL nodes use
  { file: 'external-url-elsewhere.yml', causes: ['harbor.external-url-mismatch'], prepare: 'accepts', message: /Harbor advertises https:\/\/registry\.example\.test \(in harbor\.yml external_url\)/ },
  { file: 'https-port-8443.yml', causes: ['harbor.external-url-mismatch'], prepare: 'accepts', message: /https:\/\/harbor\.example\.test:8443 \(in harbor\.yml hostname\)/ },
  { file: 'https-port-8443.yml', causes: [], prepare: 'accepts', opts: { ...TARGET, url: 'https://harbor.example.test:8443' } },
  // HTTPS files
  { file: 'http-only.yml', causes: ['harbor.config-http-only', 'harbor.external-url-mismatch'], prepare: 'accepts' },
  { file: 'cert-other-host.yml', causes: ['harbor.config-certificate'], prepare: 'accepts', message: /does not cover harbor\.example\.test: its SANs are DNS:other\.example\.test/ },
  { file: 'cert-cn-only.yml', causes: ['harbor.config-certificate'], prepare: 'accepts', message: /does not cover harbor\.example\.test: its SANs are absent/ },
  { file: 'cert-expiring.yml', causes: ['harbor.config-certificate'], severities: ['warning'], prepare: 'accepts', message: /expires on .* \(in 9 days\)/ },
  { file: 'cert-expiring.yml', causes: [], prepare: 'accepts', opts: { ...TARGET, expiryWarningDays: 7 } },
  { file: 'cert-expired.yml', causes: ['harbor.config-certificate'], prepare: 'accepts', message: /expired on/ },
  { file: 'cert-key-mismatch.yml', causes: ['harbor.config-certificate'], prepare: 'accepts', message: /is not the key of pki\/harbor\.crt/ },
  { file: 'cert-file-missing.yml', causes: ['harbor.config-certificate'], prepare: 'accepts', message: /cannot read pki\/missing\.crt \(ENOENT\)/ },
  { file: 'key-encrypted.yml', causes: ['harbor.config-certificate'], prepare: 'accepts', message: /is encrypted/ },
  // default passwords (named, never printed)
  { file: 'default-passwords.yml', causes: ['harbor.config-default-password', 'harbor.config-default-password'], prepare: 'accepts' },
  // metrics
  { file: 'metric-disabled.yml', causes: ['harbor.config-metrics'], prepare: 'accepts', message: /metric\.enabled is false/ },
  { file: 'metric-port-8001.yml', causes: ['harbor.config-metrics'], prepare: 'accepts', message: /port 8001, not 9090/ },
  { file: 'metric-path-other.yml', causes: ['harbor.config-metrics'], prepare: 'accepts', message: /at \/harbor-metrics, not \/metrics/ },
  { file: 'metric-port-8001.yml', causes: [], prepare: 'accepts', opts: { ...TARGET, metricsUrl: 'http://harbor.example.test:8001/metrics' } },
  // the Prometheus scrape config, against the endpoint harbor.yml configures (no metrics URL given)
  { file: 'valid.yml', causes: [], prepare: 'accepts', scrape: 'prometheus-harbor.yml', opts: { url: TARGET.url } },
  { file: 'valid.yml', causes: ['metrics.scrape-config-invalid', 'metrics.scrape-config-invalid'], prepare: 'accepts', scrape: 'prometheus-port-8001.yml', opts: { url: TARGET.url }, message: /target harbor\.example\.test:8001 uses port 8001; Harbor metrics listen on 9090/ },
  // Trivy while prevent_vul is expected
  { file: 'trivy-skip-update.yml', causes: ['harbor.config-trivy-off'], prepare: 'accepts' },
  { file: 'trivy-skip-update.yml', causes: [], prepare: 'accepts', opts: { ...TARGET, expectPreventVul: false } },
  { file: 'trivy-offline.yml', causes: [], prepare: 'accepts' },
  { file: 'no-trivy.yml', causes: ['harbor.config-trivy-off'], prepare: 'accepts' },
  // data and logs
  { file: 'data-on-tmp.yml', causes: ['harbor.config-retention'], prepare: 'accepts', message: /data_volume = \/tmp\/harbor-data: a temporary file system/ },
  { file: 'log-rotate-count-0.yml', causes: ['harbor.config-retention'], prepare: 'accepts', message: /reads 0 as unset/ },
  { file: 'log-rotate-size-10k.yml', causes: ['harbor.config-retention'], prepare: 'accepts', message: /below 1M/ },
];

/** Runs prepare's parser and validator on `files`; a missing python3/PyYAML says how to get them. */
function prepareVerdicts(files: string[], cwd: string): Record<string, string | null> {
  let out: string;
  try {
    out = execFileSync('python3', ['-W', 'ignore', '-c', PREPARE_VERDICT, join(dir, `harbor-${HARBOR_VERSION}`, 'make', 'photon', 'prepare'), ...files], { cwd, encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 });
  } catch (err) {
    throw new Error(`Harbor's prepare could not run (python3 with PyYAML is needed: bash docker/host-setup.sh installs python3-yaml): ${String((err as { stderr?: unknown }).stderr || (err as Error).message).slice(0, 500)}`, { cause: err });
  }
  return JSON.parse(out) as Record<string, string | null>;
}

let dir: string;
let verdicts: Record<string, string | null>;
const results = new Map<string, HarborConfigLint>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hd-harbor-yml-'));
  // Harbor's make/ from the pinned source archive (never copied into the repository).
  execFileSync('tar', ['-xzf', ARCHIVE, '-C', dir, `harbor-${HARBOR_VERSION}/make`]);
  const make = join(dir, `harbor-${HARBOR_VERSION}`, 'make');
  copyFileSync(join(make, 'harbor.yml.tmpl'), join(dir, 'harbor.yml.tmpl'));
  for (const f of readdirSync(TESTDATA)) copyFileSync(join(TESTDATA, f), join(dir, f));

  const pki = join(dir, 'pki');
  mkdirSync(pki);
  const root = await createRootCa();
  const write = (name: string, c: { certPem: string; keyPem: string }) => {
    writeFileSync(join(pki, `${name}.crt`), c.certPem);
    writeFileSync(join(pki, `${name}.key`), c.keyPem);
  };
  const harbor = await issueServerCert(root, { dnsNames: ['harbor.example.test'], ipAddresses: [] });
  write('harbor', harbor);
  write('other-host', await issueServerCert(root, { dnsNames: ['other.example.test'], ipAddresses: [] }));
  write('expired', await issueServerCert(root, { dnsNames: ['harbor.example.test'], ipAddresses: [], notBefore: daysFromNow(-60), notAfter: daysFromNow(-1) }));
  write('expiring', await issueServerCert(root, { dnsNames: ['harbor.example.test'], ipAddresses: [], notAfter: daysFromNow(9.5) }));
  write('cn-only', await issueServerCert(root, { commonName: 'harbor.example.test', cnOnly: true }));
  writeFileSync(join(pki, 'encrypted.key'), createPrivateKey(harbor.keyPem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'fixture-passphrase' }));

  const files = [...new Set(ROWS.map((r) => join(dir, r.file)))];
  verdicts = prepareVerdicts(files, dir);
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function lint(row: Row): HarborConfigLint {
  const key = `${row.file} ${JSON.stringify(row.opts ?? TARGET)} ${row.scrape ?? ''}`;
  let r = results.get(key);
  if (!r) {
    const opts = { ...(row.opts ?? TARGET), ...(row.scrape ? { scrapeConfig: { text: readFileSync(join(dir, row.scrape), 'utf8'), path: row.scrape } } : {}) };
    const f = lintHarborConfigFile(join(dir, row.file), opts);
    if ('unreadable' in f) throw new Error(f.unreadable);
    r = f;
    results.set(key, r);
  }
  return r;
}

describe('harbor.yml lint over the fixtures', () => {
  it.each(ROWS.map((r) => [r.file + (r.scrape ? ` + ${r.scrape}` : '') + (r.opts ? ` (${JSON.stringify(r.opts)})` : ''), r] as const))('%s', (_name, row) => {
    const r = lint(row);
    expect(r.findings.map((f) => f.cause).sort(), JSON.stringify(r.findings.map((f) => f.message), null, 1)).toEqual(row.causes);
    const sorted = [...r.findings].sort((a, b) => a.cause.localeCompare(b.cause));
    expect(sorted.map((f) => f.severity)).toEqual(row.severities ?? sorted.map((f) => CAUSES[f.cause].severity));
    if (row.message) expect(r.findings.map((f) => f.message).join('\n')).toMatch(row.message);
    const text = JSON.stringify(r);
    for (const p of PASSWORDS) expect(text).not.toContain(p);
    expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });
});

describe("the lint agrees with Harbor's own prepare (v2.13.5 make/photon/prepare)", () => {
  it.each(ROWS.filter((r) => !r.opts && !r.scrape).map((r) => [r.file, r] as const))('%s', (_name, row) => {
    const verdict = verdicts[join(dir, row.file)];
    expect(verdict, 'prepare gave no verdict').not.toBeUndefined();
    if (row.prepare === 'accepts') expect(verdict, `prepare: ${verdict}`).toBeNull();
    else expect(verdict).toMatch(row.prepare);
    const r = lint(row);
    if (verdict !== null) {
      expect(r.findings.some((f) => f.severity === 'error'), 'prepare rejects the file: the lint must report an error').toBe(true);
    } else if (!row.stricter) {
      expect(r.findings.filter((f) => f.cause === 'harbor.config-invalid').map((f) => f.message), 'prepare accepts the file: no schema error').toEqual([]);
    } else {
      expect(r.findings.map((f) => f.cause)).toContain('harbor.config-invalid');
    }
  });

  it("the template from the archive is clean of schema errors except its placeholders and defaults", () => {
    const r = lint(ROWS[1]!);
    const errors = r.findings.filter((f) => f.severity === 'error');
    expect(errors.filter((f) => f.cause === 'harbor.config-invalid').map((f) => f.params.field)).toEqual(['hostname']);
    expect(errors.filter((f) => f.cause === 'harbor.config-certificate').map((f) => f.message).join('\n')).toMatch(/template's placeholder \/your\/certificate\/path[^]*template's placeholder \/your\/private\/key\/path/);
    expect(r.findings.filter((f) => f.cause === 'harbor.config-unknown-key')).toEqual([]);
  });
});

/**
 * Every leaf and section of valid.yml deleted, or replaced by a string, a list, null, 0 or a
 * mapping: each mutant goes through prepare and the lint. Prepare rejects dozens of them; the
 * lint must call every one of those an error. (The other direction does not hold by design: the
 * schema refuses wrong types prepare passes through, such as `metric.port: x`.)
 */
describe("mutants of valid.yml: whatever Harbor's prepare rejects, the lint calls an error", () => {
  it('holds for every deletion and type change of every key', () => {
    const base = readFileSync(join(TESTDATA, 'valid.yml'), 'utf8');
    const paths: (string | number)[][] = [];
    const walk = (n: unknown, p: (string | number)[]): void => {
      if (isMap(n)) for (const it of n.items) { const k = String(isScalar(it.key) ? it.key.value : it.key); paths.push([...p, k]); walk(it.value, [...p, k]); }
      else if (isSeq(n)) n.items.forEach((x, i) => { paths.push([...p, i]); walk(x, [...p, i]); });
    };
    walk(parseDocument(base).contents, []);
    const mutants = join(dir, 'mutants');
    mkdirSync(mutants);
    const files: string[] = [];
    for (const p of paths) {
      for (const [m, v] of [['delete'], ['str', 'x'], ['list', [1]], ['null', null], ['zero', 0], ['map', { a: 1 }]] as const) {
        const d = parseDocument(base);
        if (m === 'delete') d.deleteIn(p);
        else d.setIn(p, v);
        const f = join(mutants, `${files.length}-${p.join('.')}-${m}.yml`);
        writeFileSync(f, d.toString());
        files.push(f);
      }
    }
    const verdict = prepareVerdicts(files, mutants);
    const rejected = files.filter((f) => verdict[f] !== null);
    const missed = rejected.filter((f) => {
      const r = lintHarborConfigFile(f, { ...TARGET, baseDir: dir });
      return 'unreadable' in r || !r.findings.some((x) => x.severity === 'error');
    }).map((f) => `${f.split('/').pop()}: ${verdict[f]}`);
    expect(files.length).toBeGreaterThan(300);
    expect(rejected.length).toBeGreaterThan(50);
    expect(missed).toEqual([]);
  }, 60_000);
});

describe('harbor.yml lint: secrets', () => {
  it("registers harbor.yml's passwords with the redactor before anything prints them", () => {
    lintHarborConfigText('hostname: h.example.test\nharbor_admin_password: s3cret-admin-fixture\nexternal_redis:\n  host: r:6379\n  password: s3cret-redis-fixture\n', 'harbor.yml');
    const out = redactor.text('admin s3cret-admin-fixture redis s3cret-redis-fixture');
    expect(out).not.toContain('s3cret-admin-fixture');
    expect(out).not.toContain('s3cret-redis-fixture');
  });
});

describe('harbor.yml lint: text input', () => {
  it.each([
    ['an alias expansion bomb', `a: &a ["x","x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n`, /malformed YAML: .*alias/i],
    ['a tab-indented mapping', 'hostname: h\nhttps:\n\tport: 443\n', /malformed YAML at line 3/],
  ])('%s is malformed, said once with its position', (_name, text, re) => {
    const r = lintHarborConfigText(text, 'harbor.yml');
    expect(r.malformed).toMatch(re);
    expect(r.findings.map((f) => f.cause)).toEqual(['harbor.config-invalid']);
  });
});

describe('harbor/config check (target harbor.config)', () => {
  it('lints the file the target names, relative to the target file, with the target as expectation', async () => {
    const ctx = testContext({ harbor: { url: 'https://harbor.example.test:8443', config: 'https-port-8443.yml', projects: ['secure'] }, metrics: { url: 'http://harbor.example.test:9090/metrics' } }, {}, { baseDir: dir });
    const [res] = await runChecks([harborConfigCheck], ctx);
    expect(res!.status, JSON.stringify(res)).toBe('passed');
    const bad = testContext({ harbor: { url: 'https://harbor.example.test', config: join(dir, 'trivy-skip-update.yml'), projects: ['secure'] }, metrics: { url: 'http://harbor.example.test:8001/metrics' } }, {}, { baseDir: dir });
    const [r2] = await runChecks([harborConfigCheck], bad);
    expect(r2!.findings.map((f) => f.cause).sort()).toEqual(['harbor.config-metrics', 'harbor.config-trivy-off']);
  });

  it('is not configured without harbor.config, and says why when the file cannot be read', async () => {
    const [none] = await runChecks([harborConfigCheck], testContext({}));
    expect([none!.status, none!.notChecked, none!.reason]).toEqual(['not-checked', 'not-configured', 'no harbor.config in the target']);
    const [missing] = await runChecks([harborConfigCheck], testContext({ harbor: { config: join(dir, 'no-such-harbor.yml') } }));
    expect([missing!.status, missing!.notChecked]).toEqual(['not-checked', 'not-configured']);
    expect(missing!.reason).toMatch(/cannot read harbor\.yml .*no-such-harbor\.yml: ENOENT/);
  });
});

describe('hybrid-doctor lint harbor (the CLI)', () => {
  const BIN = join(ROOT, 'bin/hybrid-doctor.mjs');
  it.each([
    ['a clean harbor.yml', ['valid.yml'], 0, /valid\.yml: no findings/],
    ['default passwords, as JSON', ['--json', 'default-passwords.yml'], 1, /"cause": "harbor\.config-default-password"[^]*"field": "database\.password"/],
    ['the template from the archive', ['--url', 'https://reg.mydomain.com', 'harbor.yml.tmpl'], 1, /ERROR\s+harbor\.config-invalid[^]*6 finding\(s\)/],
    ['a URL that is not one', ['--url', 'harbor.example.test', 'valid.yml'], 2, /--url takes an http\(s\) URL/],
    ['its help', ['--help'], 0, /hybrid-doctor lint harbor \[--json\] \[--url URL\]/],
  ])('%s', async (_name, args, code, re) => {
    const r = await execa(process.execPath, [BIN, 'lint', 'harbor', ...args], { cwd: dir, reject: false });
    expect(r.stdout + r.stderr).toMatch(re);
    expect(r.exitCode).toBe(code);
    for (const p of PASSWORDS) expect(r.stdout + r.stderr).not.toContain(p);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at .+:\d+:\d+/);
  });
});
