/**
 * Image references, following the docker distribution reference grammar
 * (github.com/distribution/reference, regexp.go + normalize.go):
 *
 *   reference  := name [ ":" tag ] [ "@" digest ]
 *   name       := [domain "/"] path-component ["/" path-component]*
 *   domain     := host [":" port]      host := domain-name | IPv4 | "[" IPv6 "]"
 *   path-comp  := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
 *   tag        := [\w][\w.-]{0,127}
 *   digest     := algorithm ":" encoded   algorithm := [a-z0-9]+ ([+._-][a-z0-9]+)*
 *
 * Normalisation as containerd/kubelet do it: a first component is a registry host only when it
 * contains "." or ":" or is "localhost"; otherwise docker.io, with "library/" for one-component
 * names; no tag and no digest means ":latest".
 */

export interface ImageReference {
  /** registry host[:port] as written (docker.io when defaulted). */
  domain: string;
  /** repository path inside the registry, e.g. `library/busybox`. */
  repository: string;
  tag?: string;
  digest?: string;
  /** the reference to ask the registry for: the digest when present, else the tag. */
  reference: string;
  /** the fully normalised form `domain/repository[:tag][@digest]`. */
  normalized: string;
}

export type ReferenceErrorReason =
  | 'empty'
  | 'uppercase-repository'
  | 'invalid-format'
  | 'invalid-domain'
  | 'invalid-path'
  | 'name-too-long'
  | 'invalid-tag'
  | 'invalid-digest'
  | 'unsupported-digest-algorithm'
  | 'hex-identifier';

export type ParseReferenceResult =
  | { ok: true; ref: ImageReference }
  | { ok: false; reason: ReferenceErrorReason; detail: string };

const NAME_TOTAL_MAX = 255;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const IPV6_BRACKETED = /^\[[a-fA-F0-9:]+\]$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^([a-z0-9]+(?:[+._-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/;
const HEX64 = /^[a-f0-9]{64}$/;
/** Encoded lengths of the algorithms registries accept (opencontainers/go-digest). */
const DIGEST_ALGORITHMS: Record<string, RegExp> = {
  sha256: /^[a-f0-9]{64}$/,
  sha384: /^[a-f0-9]{96}$/,
  sha512: /^[a-f0-9]{128}$/,
};

const fail = (reason: ReferenceErrorReason, detail: string): ParseReferenceResult => ({ ok: false, reason, detail });

function validDomain(domain: string): boolean {
  let host = domain;
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    if (close < 0) return false;
    if (!IPV6_BRACKETED.test(host.slice(0, close + 1))) return false;
    const rest = host.slice(close + 1);
    return rest === '' || /^:[0-9]+$/.test(rest);
  }
  const colon = host.lastIndexOf(':');
  if (colon >= 0) {
    if (!/^[0-9]+$/.test(host.slice(colon + 1))) return false;
    host = host.slice(0, colon);
  }
  return host.split('.').every((c) => DOMAIN_COMPONENT.test(c));
}

/** Parses and normalises an image reference; failures carry a reason id and a detail line. */
export function parseReference(input: string): ParseReferenceResult {
  const s = input.trim();
  if (s === '') return fail('empty', 'the reference is empty');
  if (s !== input) return fail('invalid-format', 'the reference has leading or trailing whitespace');
  if (HEX64.test(s)) return fail('hex-identifier', 'a 64-character hex string is an image ID, not a reference');

  let rest = s;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    const m = DIGEST.exec(digest);
    if (!m) return fail('invalid-digest', `"${digest}" is not algorithm:hex`);
    const algo = m[1]!;
    const check = DIGEST_ALGORITHMS[algo];
    if (!check) return fail('unsupported-digest-algorithm', `digest algorithm "${algo}" is not supported (sha256, sha384, sha512)`);
    if (!check.test(m[2]!)) return fail('invalid-digest', `the ${algo} digest must be ${algo === 'sha256' ? 64 : algo === 'sha384' ? 96 : 128} lowercase hex characters`);
  }

  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return fail('invalid-tag', `tag "${tag}" must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`);
  }
  if (rest === '') return fail('invalid-format', 'the reference has no repository name');
  if (rest.length > NAME_TOTAL_MAX) return fail('name-too-long', `the repository name is ${rest.length} characters (maximum ${NAME_TOTAL_MAX})`);

  // Domain detection (normalize.go splitDockerDomain).
  let domain = 'docker.io';
  let path = rest;
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  if (slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase())) {
    domain = first;
    path = rest.slice(slash + 1);
    if (!validDomain(domain)) return fail('invalid-domain', `"${domain}" is not a valid registry host[:port]`);
  }
  if (domain === 'index.docker.io') domain = 'docker.io';
  if (domain === 'docker.io' && !path.includes('/')) path = `library/${path}`;
  if (path === '') return fail('invalid-format', 'the reference has no repository name');
  if (path !== path.toLowerCase() && path.split('/').every((c) => PATH_COMPONENT.test(c.toLowerCase()))) {
    return fail('uppercase-repository', `repository "${path}" must be lowercase`);
  }
  const bad = path.split('/').find((c) => !PATH_COMPONENT.test(c));
  if (bad !== undefined) {
    return fail('invalid-path', bad === '' ? 'the repository path has an empty component ("//" or a trailing "/")' : `path component "${bad}" must be lowercase letters and digits separated by ".", "_", "__" or "-"`);
  }
  if (!tag && !digest) tag = 'latest';
  const normalized = `${domain}/${path}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
  return {
    ok: true,
    ref: {
      domain,
      repository: path,
      ...(tag ? { tag } : {}),
      ...(digest ? { digest } : {}),
      reference: digest ?? tag!,
      normalized,
    },
  };
}

