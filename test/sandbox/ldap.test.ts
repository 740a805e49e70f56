import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { ldapLayout } from '../../fixtures/sandbox/ldap/ldap.ts';
import { ensureSandbox, type Sandbox } from '../../fixtures/sandbox-lifecycle.ts';
import { runSuites } from '../../helpers/runner/run-suites.ts';
import { loadTarget } from '../../helpers/target/load.ts';

/**
 * The sandbox's Harbor in ldap_auth against its OpenLDAP (fixtures/sandbox/ldap): every LDAP check
 * of the harbor suite judges it and passes — not merely "no finding" — including the LDAP user's
 * login and pull; and neither LDAP password reaches the run's output. The faults are in
 * harbor-faults.test.ts (scenarios.ts).
 */
let sb: Sandbox;

describe('Harbor in ldap_auth (sandbox OpenLDAP)', () => {
  beforeAll(async () => {
    sb = await ensureSandbox();
  });

  it('every LDAP check passes, dev1 logs in and pulls, and no LDAP password is in the output', async () => {
    const target = loadTarget(sb.targetFile);
    expect(parseYaml(await readFile(sb.targetFile, 'utf8')).harbor.ldap.user.username).toBe('dev1');
    const run = await runSuites(target, ['harbor']);
    const ldap = run.checks.filter((c) => c.suite === 'harbor' && c.id.startsWith('ldap-'));
    expect(ldap.map((c) => [c.id, c.status, c.reason ?? ''])).toEqual(['ldap-settings', 'ldap-reach', 'ldap-ping', 'ldap-search', 'ldap-user-pull'].map((id) => [id, 'passed', '']));
    const out = JSON.stringify(run);
    const l = ldapLayout(sb.harbor.stateDir);
    for (const f of [l.adminPassword, l.userPassword]) expect(out).not.toContain((await readFile(f, 'utf8')).trim());
    expect(out).toContain('ldaps://ldap.sandbox.test:636');
  });
});
