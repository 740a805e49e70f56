import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWS_FAULT_IDS, AWS_FAULTS, runAwsFault, type AwsFaultId } from '../../../fixtures/aws/faults.ts';
import { createMotoUser } from '../../../fixtures/aws/iam.ts';
import { enableMotoAuth, startMoto, type Moto } from '../../../fixtures/aws/moto.ts';
import { DeleteSecurityGroupCommand } from '@aws-sdk/client-ec2';
import { ec2Client, seedHybridCluster, type SeededAws } from '../../../fixtures/aws/seed.ts';
import type { Check } from '../check.ts';
import { createCheckContext } from '../../runner/context.ts';
import { runCheck } from '../../runner/run-check.ts';
import { parseTarget } from '../../target/load.ts';
import { eksNetworkAclsCheck } from './nacls.ts';
import { eksRoutesCheck } from './routes.ts';
import { eksSecurityGroupsCheck } from './security-groups.ts';

/**
 * The VPC checks against moto's server mode (real EC2/EKS wire protocols on loopback), seeded
 * through the SDK like the sandbox topology; each fault is applied through the real EC2 API to
 * its own cluster and VPC in one moto. A missing moto venv fails here with the install command.
 */
const REGION = 'ap-northeast-2';
const CHECKS: Check[] = [eksSecurityGroupsCheck, eksRoutesCheck, eksNetworkAclsCheck];
const OWNER: Record<string, string> = { 'net.sg-ingress-missing': 'eks-security-groups', 'net.sg-egress-missing': 'eks-security-groups', 'net.route-missing': 'eks-routes', 'net.route-wrong-target': 'eks-routes', 'net.nacl-denied': 'eks-network-acls' };
const ENV = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_EC2_METADATA_DISABLED'] as const;
const saved: Record<string, string | undefined> = {};

function useKeys(k: { accessKeyId: string; secretAccessKey: string }): void {
  process.env.AWS_ACCESS_KEY_ID = k.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = k.secretAccessKey;
}

beforeAll(() => {
  for (const k of ENV) saved[k] = process.env[k];
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
});
afterAll(() => {
  for (const k of ENV) if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
});

const shape = (clusterName: string) => ({ region: REGION, clusterName, remoteNodeCidrs: ['172.29.10.0/24'], remotePodCidrs: ['10.244.0.0/16'], serviceIpv4Cidr: '10.96.0.0/16' });
const target = (endpoint: string, cluster: string) => parseTarget(['harbor:', '  url: https://harbor.sandbox.test', 'aws:', `  region: ${REGION}`, `  clusterName: ${cluster}`, `  endpoint: ${endpoint}`].join('\n'));

async function runAll(endpoint: string, cluster: string) {
  const ctx = createCheckContext(target(endpoint, cluster), { signal: AbortSignal.timeout(60_000), secrets: {} });
  return Promise.all(CHECKS.map((c) => runCheck(c, ctx)));
}

describe('VPC checks against moto: one fault per cluster, applied through the EC2 API', () => {
  let moto: Moto;
  const seeded = new Map<string, SeededAws>();

  beforeAll(async () => {
    useKeys({ accessKeyId: 'AKIAHYBRIDDOCTORTEST', secretAccessKey: 'fake-secret-for-moto' });
    moto = await startMoto();
    for (const name of ['healthy', ...AWS_FAULT_IDS]) seeded.set(name, await seedHybridCluster(moto.url, shape(name)));
    for (const id of AWS_FAULT_IDS) await runAwsFault(id, 'apply', moto.url, seeded.get(id)!);
    const gone = await seedHybridCluster(moto.url, shape('group-deleted'));
    const ec2 = ec2Client(moto.url, REGION);
    await ec2.send(new DeleteSecurityGroupCommand({ GroupId: gone.additionalSecurityGroupId }));
    ec2.destroy();
  }, 240_000);
  afterAll(async () => moto?.stop());

  it('the healthy topology passes all three checks, with the groups, tables and ACLs as evidence', async () => {
    const results = await runAll(moto.url, 'healthy');
    expect(results.map((r) => `${r.id} ${r.status} ${r.findings.map((f) => f.cause).join(',')}`)).toEqual(['eks-security-groups passed ', 'eks-routes passed ', 'eks-network-acls passed ']);
    const s = seeded.get('healthy')!;
    expect(JSON.stringify(results[0]!.evidence)).toContain(s.clusterSecurityGroupId);
    expect(JSON.stringify(results[1]!.evidence)).toContain(s.transitGatewayId);
  });

  it.each(AWS_FAULT_IDS.map((id) => [id, AWS_FAULTS[id].expect] as const))('%s → %s; the other checks stay green', async (id: AwsFaultId, cause) => {
    const results = await runAll(moto.url, id);
    const owner = results.find((r) => r.id === OWNER[cause])!;
    expect(owner.status).toBe('failed');
    expect([...new Set(owner.findings.map((f) => f.cause))]).toEqual([cause]);
    for (const r of results.filter((x) => x !== owner)) expect(`${r.id} ${r.status} ${r.findings.map((f) => f.cause).join(',')}`).toBe(`${r.id} passed `);
    const f = owner.findings[0]!;
    expect(f.params.cidr).toBe(id === 'aws-sg-pod-cidr-missing' ? '10.244.0.0/16' : '172.29.10.0/24');
    expect(owner.findings).toHaveLength(1);
    expect(f.remediation.steps.join('\n')).toMatch(/`aws ec2 /);
  });

  it('names what decided: the NACL deny rule number and direction, the wrong route target', async () => {
    const [nacl] = (await runAll(moto.url, 'aws-nacl-deny-first')).filter((r) => r.id === 'eks-network-acls');
    expect(nacl!.findings[0]!.params).toMatchObject({ rule: '50', direction: 'inbound', port: '443', networkAcl: seeded.get('aws-nacl-deny-first')!.networkAclId });
    const [routes] = (await runAll(moto.url, 'aws-route-wrong-target')).filter((r) => r.id === 'eks-routes');
    expect(routes!.findings[0]!.params.target).toBe(`${seeded.get('aws-route-wrong-target')!.internetGatewayId} (internet gateway)`);
    // With its route deleted, the node network falls to the default route to the internet gateway:
    // reported as missing (the route to make), with the default route in the evidence.
    const [missing] = (await runAll(moto.url, 'aws-route-missing')).filter((r) => r.id === 'eks-routes');
    expect(missing!.findings[0]!.evidence.route).toMatchObject({ DestinationCidrBlock: '0.0.0.0/0', GatewayId: seeded.get('aws-route-missing')!.internetGatewayId });
    const [sg] = (await runAll(moto.url, 'aws-sg-egress-restricted')).filter((r) => r.id === 'eks-security-groups');
    expect(sg!.findings[0]!.params).toMatchObject({ port: '10250', network: 'remote node network' });
  });

  it('a security group the cluster names but EC2 no longer has: not-checked with EC2\'s answer, the others judge', async () => {
    const [sg, routes, nacls] = await runAll(moto.url, 'group-deleted');
    expect([sg!.status, sg!.notChecked]).toEqual(['not-checked', 'not-configured']);
    expect(sg!.reason).toMatch(/^DescribeSecurityGroups: .*\(InvalidGroup\.NotFound\)$/);
    expect([routes!.status, nacls!.status]).toEqual(['passed', 'passed']);
  });

  it('a fault reverted through the API is green again', async () => {
    const s = seeded.get('aws-route-missing')!;
    await runAwsFault('aws-route-missing', 'revert', moto.url, s);
    expect((await runAll(moto.url, 'aws-route-missing')).map((r) => r.status)).toEqual(['passed', 'passed', 'passed']);
  });
});

describe('VPC checks with an identity that lacks ec2:Describe* (moto IAM enforcement)', () => {
  let moto: Moto;
  beforeAll(async () => {
    moto = await startMoto();
    await seedHybridCluster(moto.url, shape('limited'));
    // Allowed: what the routes check needs. Not allowed: security groups and network ACLs.
    useKeys(await createMotoUser(moto.url, 'eks-reader', ['eks:DescribeCluster', 'ec2:DescribeSubnets', 'ec2:DescribeRouteTables']));
    await enableMotoAuth(moto.url);
  }, 120_000);
  afterAll(async () => moto?.stop());

  it('each check missing its permission is not-checked naming it, never passed; the allowed one runs', async () => {
    const results = await runAll(moto.url, 'limited');
    expect(results.map((r) => [r.id, r.status, r.notChecked ?? null, r.reason ?? null])).toEqual([
      ['eks-security-groups', 'not-checked', 'not-configured', 'DescribeSecurityGroups was denied (AccessDenied): the AWS identity needs ec2:DescribeSecurityGroups'],
      ['eks-routes', 'passed', null, null],
      ['eks-network-acls', 'not-checked', 'not-configured', 'DescribeNetworkAcls was denied (AccessDenied): the AWS identity needs ec2:DescribeNetworkAcls'],
    ]);
  });

  it('keys AWS does not know are not-checked, with the reason', async () => {
    useKeys({ accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'not-known-to-moto' });
    const results = await runAll(moto.url, 'limited');
    // moto answers EKS's unknown key with an XML body the restJson1 client cannot read (AWS sends
    // UnrecognizedClientException as JSON): both are read as a refusal.
    for (const r of results) expect([r.status, r.reason]).toEqual(['not-checked', 'DescribeCluster was denied (HTTP 403): the AWS identity needs eks:DescribeCluster on limited']);
  });
});
