import { ApiException } from '@kubernetes/client-node';
import { causeChain, errorCodes, UsageError } from '../errors.ts';

/**
 * What went wrong talking to the Kubernetes API, by kind (never by message text where a status
 * code or a Node error code says it). Callers turn `unreachable` / `unauthorized` / `forbidden`
 * into a finding (checks) or a UsageError (the `diagnose` command), never a stack trace.
 */
export type KubeErrorKind = 'unreachable' | 'timeout' | 'aborted' | 'unauthorized' | 'forbidden' | 'not-found' | 'conflict' | 'gone' | 'invalid' | 'server' | 'other';

export class KubeApiError extends Error {
  readonly kind: KubeErrorKind;
  /** HTTP status when the API server answered. */
  readonly status: number | undefined;
  /** What was being done: `list pods (all namespaces)`. */
  readonly what: string;
  /** The API server's own message (Status.message), or the transport error code. */
  readonly detail: string;
  readonly code = 'HD_KUBE_API';
  constructor(what: string, kind: KubeErrorKind, detail: string, status?: number, cause?: unknown) {
    super(`${what}: ${kind}${status ? ` (HTTP ${status})` : ''}: ${detail}`, cause === undefined ? undefined : { cause });
    this.name = 'KubeApiError';
    this.kind = kind;
    this.status = status;
    this.what = what;
    this.detail = detail;
  }
}

const NET_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET', 'CERT_HAS_EXPIRED', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'ERR_TLS_CERT_ALTNAME_INVALID', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY']);

function statusMessage(body: unknown): string | undefined {
  if (typeof body === 'string') {
    try {
      return statusMessage(JSON.parse(body));
    } catch {
      return body.slice(0, 300) || undefined;
    }
  }
  const m = (body as { message?: unknown } | null)?.message;
  return typeof m === 'string' ? m : undefined;
}

/** Maps anything an API call threw to a KubeApiError (already-mapped errors pass through). */
export function toKubeError(err: unknown, what: string): KubeApiError {
  if (err instanceof KubeApiError) return err;
  if (err instanceof ApiException) {
    const status = err.code;
    const detail = statusMessage(err.body) ?? `HTTP ${status}`;
    const kind: KubeErrorKind =
      status === 401 ? 'unauthorized' : status === 403 ? 'forbidden' : status === 404 ? 'not-found' : status === 409 ? 'conflict' : status === 410 ? 'gone' : status === 422 || status === 400 ? 'invalid' : status >= 500 ? 'server' : 'other';
    return new KubeApiError(what, kind, detail, status, err);
  }
  for (const e of causeChain(err)) {
    const name = (e as { name?: unknown })?.name;
    if (name === 'TimeoutError') return new KubeApiError(what, 'timeout', 'no answer within the request timeout', undefined, err);
    if (name === 'AbortError') return new KubeApiError(what, 'aborted', 'the run was aborted', undefined, err);
  }
  const codes = errorCodes(err);
  const net = codes.find((c) => NET_CODES.has(c));
  if (net) return new KubeApiError(what, 'unreachable', net, undefined, err);
  if (err instanceof TypeError && /fetch failed/.test(err.message)) return new KubeApiError(what, 'unreachable', codes[0] ?? 'fetch failed', undefined, err);
  return new KubeApiError(what, 'other', err instanceof Error ? err.message : String(err), undefined, err);
}

/** True for errors that mean "we cannot use this API at all" (as opposed to one missing object). */
export function isAccessProblem(err: unknown): err is KubeApiError {
  return err instanceof KubeApiError && (err.kind === 'unreachable' || err.kind === 'unauthorized' || err.kind === 'forbidden' || err.kind === 'timeout');
}

/** The UsageError the CLI prints for an access problem: what failed, and what to try. */
export function kubeUsageError(err: KubeApiError, server: string, context: string): UsageError {
  const hint =
    err.kind === 'unreachable' || err.kind === 'timeout'
      ? `check that context "${context}" points at a running cluster (${server}) and that this host can reach it`
      : err.kind === 'unauthorized'
        ? `the credentials of context "${context}" were rejected; refresh them (e.g. aws eks update-kubeconfig) and retry`
        : err.kind === 'forbidden'
          ? 'the identity lacks read access (RBAC); hybrid-doctor needs get/list on nodes, pods, events, secrets, serviceaccounts, configmaps'
          : undefined;
  return new UsageError(`Kubernetes API ${server}: ${err.what}: ${err.kind}${err.status ? ` (HTTP ${err.status})` : ''}: ${err.detail}`, { ...(hint ? { hint } : {}), cause: err });
}
