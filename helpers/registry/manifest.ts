import { createHash } from 'node:crypto';
import type { CheckContext } from '../checks/check.ts';
import type { CauseId } from '../findings/cause-ids.ts';
import { evidenceHeaders, harborUrl, httpRequest, MANIFEST_MAX_BYTES, TransportError, type TransportFailure } from './http.ts';
import { classifyRegistryError, parseRegistryErrors, type RegistryErrorEntry } from './registry-errors.ts';

/** Manifest and blob fetches on the pull path, as containerd does them. */

export const MEDIA = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;

/** containerd's Accept header for manifests (index and single-platform, OCI and Docker). */
export const MANIFEST_ACCEPT = [MEDIA.ociIndex, MEDIA.dockerList, MEDIA.dockerManifest, MEDIA.ociManifest, '*/*'].join(', ');

export interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
  platform?: { os?: string; architecture?: string; variant?: string };
}

/** A registry HTTP error on the pull path, classified. */
export interface PullHttpError {
  kind: 'http';
  cause: CauseId;
  status: number;
  errors: RegistryErrorEntry[];
  headers: Record<string, string>;
  bodySnippet: string;
  method: string;
  url: string;
}

export interface ManifestOk {
  kind: 'ok';
  mediaType: string;
  digest: string;
  /** sha256 of the bytes received (what the digest header must equal). */
  computedDigest: string;
  size: number;
  json: Record<string, unknown>;
  headStatus: number;
  headMs: number;
  getMs: number;
  headers: Record<string, string>;
}

export type ManifestOutcome =
  | ManifestOk
  | PullHttpError
  | { kind: 'transport'; failure: TransportFailure }
  /** 2xx but not a manifest (HTML, truncated, digest mismatch). */
  | { kind: 'invalid'; cause: CauseId; detail: string; headers: Record<string, string>; bodySnippet: string };

function authHeaders(token: string | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

function httpError(status: number, body: Buffer, headers: Record<string, string>, method: string, url: string): PullHttpError {
  const errors = parseRegistryErrors(body);
  return { kind: 'http', cause: classifyRegistryError(status, errors), status, errors, headers: evidenceHeaders(headers), bodySnippet: body.subarray(0, 512).toString('utf8'), method, url };
}

/**
 * HEAD then GET of `/v2/<repo>/manifests/<reference>`. Harbor answers HEAD with a bodyless 412
 * on a policy block, so a failed HEAD is repeated as GET to read Harbor's error body.
 */
export async function fetchManifest(ctx: CheckContext, repository: string, reference: string, token: string | undefined): Promise<ManifestOutcome> {
  const url = new URL(`/v2/${repository}/manifests/${reference}`, harborUrl(ctx.target)).toString();
  const headers = { accept: MANIFEST_ACCEPT, ...authHeaders(token) };
  try {
    const head = await httpRequest(ctx, url, { method: 'HEAD', headers, maxBytes: 0 });
    const get = await httpRequest(ctx, url, { headers, maxBytes: MANIFEST_MAX_BYTES });
    if (get.status < 200 || get.status >= 300) return httpError(get.status, get.body, get.headers, 'GET', url);
    const hdrs = evidenceHeaders(get.headers);
    const snippet = get.body.subarray(0, 256).toString('utf8');
    if (get.truncated) return { kind: 'invalid', cause: 'image.pull-interrupted', detail: `manifest larger than ${MANIFEST_MAX_BYTES} bytes`, headers: hdrs, bodySnippet: snippet };
    const computed = `sha256:${createHash('sha256').update(get.body).digest('hex')}`;
    const declared = get.headers['docker-content-digest'];
    if (reference.startsWith('sha256:') && reference !== computed) {
      return { kind: 'invalid', cause: 'image.pull-interrupted', detail: `manifest bytes hash to ${computed}, requested ${reference}`, headers: hdrs, bodySnippet: snippet };
    }
    if (declared && declared.startsWith('sha256:') && declared !== computed) {
      return { kind: 'invalid', cause: 'image.pull-interrupted', detail: `manifest bytes hash to ${computed}, Docker-Content-Digest says ${declared}`, headers: hdrs, bodySnippet: snippet };
    }
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(get.body.toString('utf8')) as Record<string, unknown>;
      if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('not an object');
    } catch {
      return { kind: 'invalid', cause: 'image.unknown', detail: `the manifest is not JSON (content-type ${get.headers['content-type'] ?? 'none'})`, headers: hdrs, bodySnippet: snippet };
    }
    const mediaType = (typeof json.mediaType === 'string' ? json.mediaType : undefined) ?? get.headers['content-type']?.split(';')[0]?.trim() ?? '';
    return {
      kind: 'ok',
      mediaType,
      digest: declared ?? computed,
      computedDigest: computed,
      size: get.body.length,
      json,
      headStatus: head.status,
      headMs: Math.round(head.totalMs),
      getMs: Math.round(get.totalMs),
      headers: hdrs,
    };
  } catch (err) {
    if (err instanceof TransportError) return { kind: 'transport', failure: err.failure };
    throw err;
  }
}

export function isIndex(mediaType: string, json: Record<string, unknown>): boolean {
  return mediaType === MEDIA.ociIndex || mediaType === MEDIA.dockerList || (Array.isArray(json.manifests) && !Array.isArray(json.layers));
}

/** `os/arch[/variant]` of each index entry (attestation manifests `unknown/unknown` skipped). */
export function indexPlatforms(json: Record<string, unknown>): { platform: string; descriptor: Descriptor }[] {
  const list = Array.isArray(json.manifests) ? (json.manifests as Descriptor[]) : [];
  return list
    .filter((d) => d && typeof d.digest === 'string' && d.platform?.os && d.platform.architecture && d.platform.os !== 'unknown')
    .map((d) => ({ platform: platformString(d.platform!.os!, d.platform!.architecture!, d.platform!.variant), descriptor: d }));
}

export function platformString(os: string, arch: string, variant?: string): string {
  return variant ? `${os}/${arch}/${variant}` : `${os}/${arch}`;
}

/**
 * Does `have` satisfy the wanted platform `want` (`linux/arm64` matches `linux/arm64/v8`;
 * a wanted variant must match exactly)?
 */
export function platformMatches(want: string, have: string): boolean {
  const [wo, wa, wv] = want.split('/');
  const [ho, ha, hv] = have.split('/');
  if (wo !== ho || wa !== ha) return false;
  return wv === undefined || wv === hv || (wa === 'arm64' && wv === 'v8' && hv === undefined);
}

/** Config and layer descriptors of a single-platform manifest. */
export function manifestParts(json: Record<string, unknown>): { config?: Descriptor; layers: Descriptor[] } {
  const config = json.config as Descriptor | undefined;
  const layers = Array.isArray(json.layers) ? (json.layers as Descriptor[]).filter((l) => l && typeof l.digest === 'string') : [];
  return { ...(config && typeof config.digest === 'string' ? { config } : {}), layers };
}

export type BlobOutcome =
  | { kind: 'ok'; digest: string; bytes: number; ms: number; bytesPerSecond: number; body?: Buffer }
  | PullHttpError
  | { kind: 'transport'; failure: TransportFailure; bytes?: number }
  | { kind: 'invalid'; cause: CauseId; detail: string; bytes: number };

/**
 * GET `/v2/<repo>/blobs/<digest>` with a streaming sha256; follows up to 3 redirects (storage
 * backends), dropping the token when the host changes. Digest mismatch or a short body →
 * image.pull-interrupted. `keep` returns the body (config blobs).
 */
export async function fetchBlob(ctx: CheckContext, repository: string, desc: Descriptor, token: string | undefined, opts: { keep?: boolean; maxBytes?: number } = {}): Promise<BlobOutcome> {
  const [algo, expectedHex] = desc.digest.split(':');
  if (algo !== 'sha256' && algo !== 'sha512') return { kind: 'invalid', cause: 'image.unknown', detail: `unsupported digest algorithm ${algo}`, bytes: 0 };
  const maxBytes = opts.maxBytes ?? 64 << 20;
  const origin = harborUrl(ctx.target);
  let url = new URL(`/v2/${repository}/blobs/${desc.digest}`, origin);
  const t0 = performance.now();
  try {
    for (let hop = 0; hop < 4; hop++) {
      const hash = createHash(algo);
      // Same origin (scheme too): a redirect to http:// or another host gets no token.
      const sameHost = url.origin === origin.origin;
      const res = await httpRequest(ctx, url, {
        headers: { ...(sameHost ? authHeaders(token) : {}) },
        onChunk: (c) => hash.update(c),
        keepBody: Boolean(opts.keep),
        maxBytes,
        timeoutMs: Math.max(ctx.target.timeouts.requestMs, 30_000),
      });
      if ([301, 302, 303, 307, 308].includes(res.status) && res.headers.location) {
        url = new URL(res.headers.location, url);
        continue;
      }
      if (res.status < 200 || res.status >= 300) return httpError(res.status, res.body, res.headers, 'GET', url.toString());
      if (res.truncated) return { kind: 'invalid', cause: 'image.unknown', detail: `blob larger than the ${maxBytes}-byte limit of this check`, bytes: res.bytes };
      const ms = performance.now() - t0;
      const got = hash.digest('hex');
      if (desc.size >= 0 && res.bytes !== desc.size) {
        return { kind: 'invalid', cause: 'image.pull-interrupted', detail: `received ${res.bytes} bytes, descriptor size is ${desc.size}`, bytes: res.bytes };
      }
      if (got !== expectedHex) return { kind: 'invalid', cause: 'image.pull-interrupted', detail: `content hashes to ${algo}:${got}, expected ${desc.digest}`, bytes: res.bytes };
      return { kind: 'ok', digest: desc.digest, bytes: res.bytes, ms: Math.round(ms), bytesPerSecond: Math.round(res.bytes / Math.max(ms / 1000, 0.001)), ...(opts.keep ? { body: res.body } : {}) };
    }
    return { kind: 'invalid', cause: 'image.unknown', detail: 'too many redirects', bytes: 0 };
  } catch (err) {
    if (err instanceof TransportError) {
      const f = err.failure;
      // A connection that broke after the blob transfer started is an interrupted pull.
      return { kind: 'transport', failure: f };
    }
    throw err;
  }
}
