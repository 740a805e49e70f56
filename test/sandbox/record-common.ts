/**
 * What the two recorders share (record-vectors.ts: real clients in a container; record-kubelet.ts:
 * the sandbox cluster's kubelet): which faults a pull can show, which causes one text stands for,
 * what a fault's target file says to pull, and the scrub check before anything is written.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type { FaultId } from '../../fixtures/sandbox/faults.ts';
import type { TargetDoc } from '../../fixtures/sandbox/harbor-side-config.ts';
import type { CauseId } from '../../helpers/findings/cause-ids.ts';

export const HOST_ARCH = process.arch === 'arm64' ? 'arm64' : 'amd64';

/** Faults whose effect no client pull can show (the verdict comes from Harbor's API or metrics). */
export const INVISIBLE: Partial<Record<FaultId, string>> = {
  'metrics-disabled': 'only the metrics listener (:9090) is off; pulls go through :443',
  'robot-expiring-soon': 'the robot still works for three days; only its expiry (Harbor API) shows it',
  'scanner-removed': 'no scanner means prevent_vul is not enforced: pulls succeed (the finding is about the policy)',
};

/**
 * What a client's text can tell, per fault, beyond the fault's own cause, from the code that
 * produces the answer (not from the recorded strings):
 * - Harbor's v2auth middleware (src/server/middleware/v2auth/auth.go) answers every pull it does
 *   not allow with the same `401 UNAUTHORIZED unauthorized to access repository: R, action: pull`,
 *   whether the token's subject is unknown (wrong secret), disabled, expired, or a robot without
 *   pull: its token service hands a scoped token with no access to all of them. So one text
 *   stands for all four robot causes.
 * - Harbor answers both project policies (prevent_vul, content trust) with 412; containerd drops
 *   the body (`unexpected status ... 412 Precondition Failed`), so its text names either.
 * - The realm moving with the external URL: an unreachable realm host is what the text shows.
 */
export const ROBOT_401: CauseId[] = ['auth.credentials-invalid', 'auth.robot-disabled', 'auth.robot-expired', 'auth.insufficient-scope'];
export const SAME_TEXT: Partial<Record<FaultId, CauseId[]>> = {
  'wrong-robot-secret': ROBOT_401,
  'robot-disabled': ROBOT_401,
  'project-robot-disabled': ROBOT_401,
  'project-robot-expired': ROBOT_401,
  'robot-no-pull': ROBOT_401,
  'project-robot-no-pull': ROBOT_401,
  'prevent-vul': ['image.policy-vulnerability', 'image.policy-unsigned'],
  'content-trust-notation': ['image.policy-unsigned', 'image.policy-vulnerability'],
  'content-trust-cosign': ['image.policy-unsigned', 'image.policy-vulnerability'],
  'external-url-mismatch': ['harbor.external-url-mismatch', 'auth.token-realm-unreachable'],
};

export interface RecordedVector {
  text: string;
  runtime: string;
  version: string;
  fault: FaultId;
  /** The fault's cause first, then the causes the same text stands for (SAME_TEXT). */
  expect: CauseId[];
  source: string;
  /** The client command that printed it (no secrets). */
  client: string;
}

export interface Plan {
  ref: string;
  arch: string;
  user: string;
  secretFile: string;
  caFile: string;
}

/** What the fault's target file says to pull, as whom, trusting which CA, on which platform. */
export async function planOf(targetFile: string): Promise<Plan> {
  const t = parseYaml(await readFile(targetFile, 'utf8')) as TargetDoc & {
    images: { ref: string }[];
    nodes?: { platforms?: string[] };
    robot: { name: string; secret: { file: string } };
    harbor: { caBundle: string };
  };
  const platforms = t.nodes?.platforms ?? [];
  // A node platform set without the host's architecture: ask for the first one it lists.
  const arch = platforms.length && !platforms.some((p) => p.endsWith(`/${HOST_ARCH}`)) ? (platforms[0]!.split('/')[1] ?? '') : '';
  return { ref: t.images[0]!.ref, arch, user: t.robot.name, secretFile: t.robot.secret.file, caFile: t.harbor.caBundle };
}

/** The text a client printed: its stderr (stdout when stderr is empty), blank lines dropped. */
export function textOf(r: { stdout: string; stderr: string }): string {
  const s = r.stderr.trim() ? r.stderr : r.stdout;
  return s
    .split('\n')
    .map((l) => l.replace(/\s+$/, ''))
    .filter((l) => l.trim())
    .join('\n');
}

/** Secrets and credential shapes that must never reach the vector file. */
export function assertClean(texts: string[], secrets: string[]): void {
  for (const t of texts) {
    for (const s of secrets) {
      if (t.includes(s) || t.includes(Buffer.from(s).toString('base64').replace(/=+$/, ''))) throw new Error('a recorded text still holds a robot secret');
    }
    if (/eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/.test(t)) throw new Error('a recorded text still holds a JWT');
    if (/\b(?:authorization|bearer|basic)\s*[:=]?\s+(?!«redacted»)[A-Za-z0-9+/=._-]{16,}/i.test(t)) throw new Error('a recorded text still holds an Authorization value');
  }
}

