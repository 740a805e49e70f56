/**
 * The Helm chart (deploy/helm/hybrid-doctor), linted and rendered by a real helm built from its Go
 * module (docker/helm/build.sh): least-privilege RBAC, a hardened pod, secrets by reference only,
 * and a target file the CLI accepts.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';

const CHART = new URL('../deploy/helm/hybrid-doctor', import.meta.url).pathname;
const HELM = join(process.env.HYBRID_DOCTOR_CACHE ?? join(homedir(), '.cache', 'hybrid-doctor'), 'helm-v4.3.2', 'bin', 'helm');

type Doc = { kind: string; metadata: { name: string; namespace?: string }; [k: string]: any };

async function render(values: Record<string, unknown> = {}): Promise<Doc[]> {
  const dir = mkdtempSync(join(tmpdir(), 'hd-helm-'));
  const file = join(dir, 'values.yaml');
  writeFileSync(file, JSON.stringify(values));
  const r = await execa(HELM, ['template', 'hd', CHART, '--namespace', 'ops', '-f', file], { reject: false });
  expect(r.exitCode, r.stderr).toBe(0);
  return parseAllDocuments(r.stdout).map((d) => d.toJS() as Doc).filter(Boolean);
}

const podSpecOf = (d: Doc) => (d.kind === 'CronJob' ? d.spec.jobTemplate.spec.template.spec : d.spec.template.spec);

describe('Helm chart', () => {
  beforeAll(() => {
    if (!existsSync(HELM)) throw new Error(`helm is missing at ${HELM}: run \`bash docker/helm/build.sh\` (docker/prepare.sh runs it)`);
  });

  it('passes helm lint (strict)', async () => {
    const r = await execa(HELM, ['lint', '--strict', CHART], { reject: false });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
  });

  it('defaults: a Job, read-only RBAC, hardened pod', async () => {
    const docs = await render();
    expect(docs.map((d) => d.kind).sort()).toEqual(['ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'Job', 'ServiceAccount']);
    const role = docs.find((d) => d.kind === 'ClusterRole')!;
    const verbs = new Set(role.rules.flatMap((r: { verbs: string[] }) => r.verbs));
    expect([...verbs].sort()).toEqual(['get', 'list', 'watch']);
    const spec = podSpecOf(docs.find((d) => d.kind === 'Job')!);
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    expect(spec.containers[0].securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(spec.containers[0].args).toEqual(['run', '--target', '/etc/hybrid-doctor/target.yaml', '--fail-on', 'error', '--out', '/out/report']);
    expect(spec.volumes.map((v: { name: string }) => v.name).sort()).toEqual(['out', 'target', 'tmp']);
  });

  it('readSecrets off: no rule on secrets; cronJob on: a CronJob with the schedule', async () => {
    const docs = await render({ rbac: { readSecrets: false }, job: { enabled: false }, cronJob: { enabled: true, schedule: '*/5 * * * *' } });
    const role = docs.find((d) => d.kind === 'ClusterRole')!;
    expect(role.rules.flatMap((r: { resources: string[] }) => r.resources)).not.toContain('secrets');
    expect(docs.some((d) => d.kind === 'Job')).toBe(false);
    expect(docs.find((d) => d.kind === 'CronJob')!.spec).toMatchObject({ schedule: '*/5 * * * *', concurrencyPolicy: 'Forbid' });
  });

  it('secrets are mounted by reference; the rendered target names files, never values, and passes the target schema', async () => {
    const docs = await render({
      target: { harbor: { url: 'https://harbor.corp.test' }, images: [{ ref: 'harbor.corp.test/library/busybox:1.36' }] },
      secrets: { robot: { name: 'robot$k8s-robot', existingSecret: 'harbor-robot', key: 'secret' }, admin: { username: 'admin', existingSecret: 'harbor-admin', key: 'password' }, caBundle: { existingConfigMap: 'harbor-ca', key: 'ca.crt' } },
    });
    expect(docs.some((d) => d.kind === 'Secret')).toBe(false);
    const spec = podSpecOf(docs.find((d) => d.kind === 'Job')!);
    expect(spec.volumes.find((v: { name: string }) => v.name === 'robot').secret).toEqual({ secretName: 'harbor-robot', items: [{ key: 'secret', path: 'secret' }] });
    const target = parseYaml(docs.find((d) => d.kind === 'ConfigMap')!.data['target.yaml']) as Record<string, any>;
    expect(target.robot).toEqual({ name: 'robot$k8s-robot', secret: { file: '/var/run/secrets/hybrid-doctor/robot/secret' } });
    expect(target.harbor).toMatchObject({ url: 'https://harbor.corp.test', caBundle: '/etc/hybrid-doctor/ca/ca.crt', admin: { username: 'admin', password: { file: '/var/run/secrets/hybrid-doctor/admin/password' } } });
    expect(target.kubernetes).toEqual({ allowProbes: false });
    const { targetSchema } = await import('../helpers/target/schema.ts');
    expect(targetSchema.safeParse(target).success).toBe(true);
  });

  it.each([
    ['probes off (default)', {}, undefined],
    ['probes on', { probes: { enabled: true } }, { allowProbes: true, probeNamespaceMode: 'existing', probeNamespace: 'ops' }],
    ['probes on, own image, readSecrets off', { probes: { enabled: true, image: 'harbor.corp.test/library/busybox:1.36' }, rbac: { readSecrets: false } }, { allowProbes: true, probeNamespaceMode: 'existing', probeNamespace: 'ops', probeImage: 'harbor.corp.test/library/busybox:1.36' }],
  ] as const)('%s: the ClusterRole stays read-only; probes add a Role in the release namespace only, with exactly the probe verbs', async (_name, values, kubernetes) => {
    const docs = await render(values);
    const clusterRole = docs.find((d) => d.kind === 'ClusterRole')!;
    expect([...new Set(clusterRole.rules.flatMap((r: { verbs: string[] }) => r.verbs))].sort()).toEqual(['get', 'list', 'watch']);
    // cluster-wide: nothing but the read ClusterRole and its binding, whatever the probe setting
    expect(docs.filter((d) => d.kind.startsWith('Cluster')).map((d) => d.kind).sort()).toEqual(['ClusterRole', 'ClusterRoleBinding']);
    expect(clusterRole.rules.flatMap((r: { resources: string[] }) => r.resources)).toContain('events');
    const role = docs.find((d) => d.kind === 'Role');
    const binding = docs.find((d) => d.kind === 'RoleBinding');
    const target = parseYaml(docs.find((d) => d.kind === 'ConfigMap')!.data['target.yaml']) as Record<string, any>;
    if (!kubernetes) {
      expect([role, binding]).toEqual([undefined, undefined]);
      expect(target.kubernetes).toEqual({ allowProbes: false });
      return;
    }
    expect(role!.metadata.namespace).toBe('ops');
    // the rights helpers/kube/probe-namespace.test.ts proves sufficient against a real apiserver's RBAC
    expect(role!.rules).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['create', 'get', 'list', 'delete'] },
      { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['create', 'list', 'delete'] },
      { apiGroups: [''], resources: ['events'], verbs: ['list'] },
    ]);
    expect(role!.rules.flatMap((r: { resources: string[] }) => r.resources)).not.toContain('namespaces');
    expect(binding).toMatchObject({ metadata: { namespace: 'ops' }, roleRef: { kind: 'Role', name: role!.metadata.name }, subjects: [{ kind: 'ServiceAccount', name: 'hd-hybrid-doctor', namespace: 'ops' }] });
    expect(target.kubernetes).toEqual(kubernetes);
    const { targetSchema } = await import('../helpers/target/schema.ts');
    expect(targetSchema.safeParse(target).success).toBe(true);
  });

  it('diagnose mode passes its arguments through and needs no target flags', async () => {
    const docs = await render({ command: 'diagnose', args: ['--all-namespaces', '--json'] });
    expect(podSpecOf(docs.find((d) => d.kind === 'Job')!).containers[0].args).toEqual(['diagnose', '--all-namespaces', '--json']);
  });
});
