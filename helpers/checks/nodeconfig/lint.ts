import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { UsageError } from '../../errors.ts';
import type { Finding } from '../../findings/finding.ts';
import { finding } from '../../findings/make-finding.ts';
import { REDACTED, redactor } from '../../redact.ts';
import { lintContainerdToml, type NodeadmMerge } from './containerd-toml.ts';
import { lintKubeletConfig, lintKubeletFlags } from './kubelet.ts';
import { nodeConfigSchema, type NodeConfig } from './schema.ts';

export interface NodeConfigLintOptions {
  /** Registry host[:port] nodes pull from (the target's harbor.url host). */
  harborHost?: string;
  /** How the nodeadm in use combines spec.containerd.config with its base; see containerd-toml.ts. */
  merge?: NodeadmMerge;
}

export interface NodeConfigLint {
  findings: Finding[];
  /** The NodeConfig (documents merged in order), secrets redacted; null when nothing parsed. */
  document: NodeConfig | Record<string, unknown> | null;
  evidence: Record<string, unknown>;
}

const SSM_ACTIVATION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ARN = /^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{12}:.+$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);
function deepMerge(a: Obj, b: Obj): Obj {
  const out: Obj = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = isObj(v) && isObj(out[k]) ? deepMerge(out[k] as Obj, v) : v;
  return out;
}

/** nodeadm accepts MIME multipart user data; this linter takes the NodeConfig YAML itself. */
function looksLikeMime(text: string): boolean {
  return /^\s*(MIME-Version:|Content-Type:\s*multipart\/)/im.test(text.slice(0, 2000));
}

function redactDocument(doc: Obj): Obj {
  const copy = structuredClone(doc);
  const ssm = (copy.spec as Obj | undefined)?.hybrid as Obj | undefined;
  const s = ssm?.ssm as Obj | undefined;
  if (s && typeof s.activationCode === 'string') {
    redactor.add(s.activationCode);
    s.activationCode = REDACTED;
  }
  const c = (copy.spec as Obj | undefined)?.containerd as Obj | undefined;
  // Credential lines are rewritten without quotes: the redactor's generic `password = "..."`
  // pattern would otherwise cut through JSON-escaped quotes when the document is serialised.
  if (c && typeof c.config === 'string') c.config = c.config.replace(/^(\s*(?:username|password|auth|identitytoken)\s*=\s*).*$/gim, `$1${REDACTED}`);
  return redactor.value(copy);
}

/**
 * Lints a NodeConfig given as YAML text (one document, or several that nodeadm would merge in
 * order). Every problem is a finding; MIME multipart input is a UsageError (not supported: give
 * the NodeConfig part). Malformed YAML is node.nodeconfig-invalid with line:col.
 */
export function lintNodeConfigText(text: string, subject: string, opts: NodeConfigLintOptions = {}): NodeConfigLint {
  if (looksLikeMime(text)) {
    throw new UsageError(`${subject}: MIME multipart user data is not supported by this linter`, { hint: 'extract the part with Content-Type: application/node.eks.aws and lint that YAML' });
  }
  const findings: Finding[] = [];
  const invalid = (field: string, detail: string, evidence: Obj = {}) =>
    findings.push(finding('node.nodeconfig-invalid', { subject, params: { path: subject, field, detail }, evidence: { field, ...evidence } }));

  const docs = parseAllDocuments(text, { prettyErrors: true, uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [docs];
  const values: Obj[] = [];
  list.forEach((d, i) => {
    const e = d.errors[0];
    if (e) {
      const pos = e.linePos?.[0];
      invalid(list.length > 1 ? `(document ${i + 1})` : '(document)', `malformed YAML${pos ? ` at line ${pos.line}:${pos.col}` : ''}: ${e.message.split('\n')[0]}`, pos ? { line: pos.line, col: pos.col } : {});
      return;
    }
    if (d.contents === null) return;
    let v: unknown;
    try {
      v = d.toJS();
    } catch (err) {
      // Alias expansion bombs ("Excessive alias count ...") throw here, not in parse.
      invalid(list.length > 1 ? `(document ${i + 1})` : '(document)', `malformed YAML: ${(err as Error).message.split('\n')[0]}`);
      return;
    }
    if (!isObj(v)) { invalid(`(document ${i + 1})`, `a NodeConfig is a YAML mapping, got ${Array.isArray(v) ? 'a list' : typeof v}`); return; }
    values.push(v);
  });
  if (values.length === 0) {
    if (findings.length === 0) invalid('(document)', 'no NodeConfig document in the file');
    return { findings, document: null, evidence: { documents: list.length } };
  }

  values.forEach((v, i) => {
    const r = nodeConfigSchema.safeParse(v);
    if (r.success) return;
    for (const issue of r.error.issues) {
      const at = issue.path.map(String).join('.');
      const prefix = values.length > 1 ? `(document ${i + 1}) ` : '';
      if (issue.code === 'unrecognized_keys') {
        for (const k of issue.keys) invalid(`${prefix}${at ? `${at}.` : ''}${k}`, 'unknown field (nodeadm ignores it or refuses the config)');
      } else {
        invalid(`${prefix}${at || '(top level)'}`, issue.message);
      }
    }
  });

  const merged = values.reduce(deepMerge, {} as Obj) as NodeConfig;
  const spec = (merged.spec ?? {}) as NodeConfig['spec'];
  const hybrid = spec.hybrid;
  // Hybrid rules: aws/eks-hybrid internal/node/hybrid/validator.go.
  if (!hybrid) invalid('spec.hybrid', 'missing: a hybrid node needs spec.hybrid with ssm or iamRolesAnywhere credentials');
  if (!spec.cluster?.name) invalid('spec.cluster.name', 'missing (nodeadm: "Name is missing in cluster configuration")');
  if (!spec.cluster?.region) invalid('spec.cluster.region', 'missing (nodeadm: "Region is missing in cluster configuration")');
  else if (!REGION.test(spec.cluster.region)) invalid('spec.cluster.region', `"${spec.cluster.region}" is not an AWS region name`);
  if (hybrid) {
    const { ssm, iamRolesAnywhere: ira } = hybrid;
    if (ssm && ira) invalid('spec.hybrid', 'both ssm and iamRolesAnywhere are set; exactly one is allowed');
    if (!ssm && !ira) invalid('spec.hybrid', 'neither ssm nor iamRolesAnywhere is set; exactly one is required');
    if (ssm) {
      if (!ssm.activationCode) invalid('spec.hybrid.ssm.activationCode', 'missing');
      else if (/^YOUR[-_]|^<|^\$\{?|CHANGE_?ME|PLACEHOLDER/i.test(ssm.activationCode)) invalid('spec.hybrid.ssm.activationCode', 'is a placeholder, not the code from `aws ssm create-activation`');
      if (!ssm.activationId) invalid('spec.hybrid.ssm.activationId', 'missing');
      else if (!SSM_ACTIVATION_ID.test(ssm.activationId)) invalid('spec.hybrid.ssm.activationId', `"${ssm.activationId}" is not an SSM activation id (a UUID from \`aws ssm create-activation\`)`);
    }
    if (ira) {
      for (const k of ['roleArn', 'profileArn', 'trustAnchorArn'] as const) {
        if (!ira[k]) invalid(`spec.hybrid.iamRolesAnywhere.${k}`, 'missing');
        else if (!ARN.test(ira[k])) invalid(`spec.hybrid.iamRolesAnywhere.${k}`, `"${ira[k]}" is not an ARN`);
      }
      if (!ira.nodeName) invalid('spec.hybrid.iamRolesAnywhere.nodeName', 'missing');
      else if (ira.nodeName.length > 64) invalid('spec.hybrid.iamRolesAnywhere.nodeName', 'longer than 64 characters');
      if (!ira.certificatePath) invalid('spec.hybrid.iamRolesAnywhere.certificatePath', 'missing');
      if (!ira.privateKeyPath) invalid('spec.hybrid.iamRolesAnywhere.privateKeyPath', 'missing');
    }
  }
  const flags = spec.kubelet?.flags;
  if (Array.isArray(flags) && flags.every((f) => typeof f === 'string')) for (const p of lintKubeletFlags(flags, !!hybrid)) invalid(p.field, p.detail);
  const kcfg = spec.kubelet?.config;
  if (isObj(kcfg)) for (const p of lintKubeletConfig(kcfg)) invalid(p.field, p.detail);

  let containerd: Obj | undefined;
  if (typeof spec.containerd?.config === 'string' && spec.containerd.config.trim() !== '') {
    const r = lintContainerdToml(spec.containerd.config, { subject, ...(opts.harborHost ? { harborHost: opts.harborHost } : {}), ...(opts.merge ? { merge: opts.merge } : {}) });
    findings.push(...r.findings);
    containerd = r.evidence;
  }
  return {
    findings,
    document: redactDocument(merged as unknown as Obj),
    evidence: { documents: values.length, hybrid: hybrid ? (hybrid.ssm ? 'ssm' : hybrid.iamRolesAnywhere ? 'iamRolesAnywhere' : 'none') : 'not hybrid', ...(containerd ? { containerd } : {}) },
  };
}

/**
 * `hybrid-doctor lint nodeconfig FILE`: an unreadable file or MIME input is a UsageError (exit 2);
 * everything wrong inside a readable NodeConfig is a finding (exit 1).
 */
export function lintNodeConfigFile(path: string, opts: NodeConfigLintOptions = {}): NodeConfigLint {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read NodeConfig ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
  }
  return lintNodeConfigText(text, path, opts);
}

