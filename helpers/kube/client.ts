import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  AppsV1Api,
  CoreV1Api,
  EventsV1Api,
  HttpMethod,
  KubeConfig,
  RequestContext,
  type ConfigurationOptions,
  Observable,
  type ObservableMiddleware,
} from '@kubernetes/client-node';
import { fetch, type Dispatcher, type Response } from 'undici';
import { UsageError } from '../errors.ts';
import type { Target } from '../target/load.ts';
import { KubeApiError, toKubeError } from './errors.ts';
import { ListDecoder, PROTOBUF_TYPE, ProtobufError, statusMessage, type ProtoItem } from './protobuf.ts';

/** Default per-request timeout; list pages of 500 objects come back well within it. */
export const DEFAULT_REQUEST_MS = 10_000;
/** Page size for list calls (the API server's default max is unbounded; 500 is kubectl's chunk size). */
export const DEFAULT_PAGE = 500;

export interface KubeClientOptions {
  /** Per-request timeout (ms). */
  requestMs?: number;
  /** The run's signal: aborting it aborts every in-flight request. */
  signal?: AbortSignal;
  /** The kubeconfig file (when not the default): named in commands printed for the user. */
  kubeconfigPath?: string;
  /**
   * Let list pages come gzip-compressed (default: unless the API server is on loopback). The API
   * server gzips answers over 128 KB; compressing and inflating a 14 MB pod list costs both sides
   * CPU (0.35 s of ours on 10,000 pods), which pays off on a network link, not on loopback.
   */
  compression?: boolean;
  /** Lists that offer a protobuf reader use it (default true); false: JSON for every list (a comparison, or a proxy that mangles protobuf). */
  protobuf?: boolean;
}

export interface ListOptions {
  fieldSelector?: string;
  labelSelector?: string;
  /** Page size (default 500; 0 = one unpaginated response). */
  limit?: number;
  /** Stop after this many items (bounded memory on huge clusters; reported as truncated). */
  maxItems?: number;
  what?: string;
  signal?: AbortSignal;
  /**
   * Serve the list from the API server's watch cache (`resourceVersion=0` on the first page:
   * "any version", typically under a second old) instead of a quorum read from etcd — what
   * controllers do for big lists; much cheaper for the API server and etcd.
   */
  fromCache?: boolean;
}

/** listEach's options; `protobuf` decodes only the fields the caller reads (protobuf.ts). */
export interface ListEachOptions<T> extends ListOptions {
  /**
   * Ask for protobuf (JSON still accepted: a server or proxy that answers JSON is parsed as
   * before) and decode each item with this reader: only the fields it names, no JSON text.
   */
  protobuf?: ProtoItem<T>;
}

/** A list response as the API server sends it (raw JSON, no client-side deserialization). */
export interface RawList<T> {
  items: T[];
  metadata?: { continue?: string; resourceVersion?: string; remainingItemCount?: number };
}

/**
 * One Kubernetes API connection for a run: the kubeconfig context, typed @kubernetes/client-node
 * APIs for writes and single reads, and a raw JSON path for big paginated lists.
 *
 * Why a raw path: the generated client deserialises every object through its ObjectSerializer
 * (10,000 pods + 50,000 events cost seconds and double the memory) and builds a fresh undici
 * Agent (a new TLS handshake) per request. The raw path reuses the kubeconfig's authentication
 * (`applySecurityAuthentication`, so exec/OIDC/client-cert auth keep working) with one
 * dispatcher, and hands back the wire JSON.
 */
export class KubeClient {
  readonly kc: KubeConfig;
  readonly context: string;
  readonly server: string;
  readonly requestMs: number;
  readonly signal: AbortSignal | undefined;
  readonly kubeconfigPath: string | undefined;
  readonly compression: boolean;
  readonly protobuf: boolean;
  readonly core: CoreV1Api;
  readonly eventsV1: EventsV1Api;
  readonly apps: AppsV1Api;
  #auth: { headers: Record<string, string>; dispatcher: Dispatcher | undefined; at: number } | undefined;

  constructor(kc: KubeConfig, opts: KubeClientOptions = {}) {
    this.kc = kc;
    this.context = kc.getCurrentContext();
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new UsageError(`kubeconfig context "${this.context}" names no cluster`);
    this.server = cluster.server.replace(/\/+$/, '');
    this.requestMs = opts.requestMs ?? DEFAULT_REQUEST_MS;
    this.signal = opts.signal;
    this.kubeconfigPath = opts.kubeconfigPath;
    this.compression = opts.compression ?? !isLoopback(this.server);
    this.protobuf = opts.protobuf ?? true;
    this.core = kc.makeApiClient(CoreV1Api);
    this.eventsV1 = kc.makeApiClient(EventsV1Api);
    this.apps = kc.makeApiClient(AppsV1Api);
  }

  /** A signal that fires on the run's abort or after the request timeout. */
  requestSignal(ms = this.requestMs, extra?: AbortSignal): AbortSignal {
    const signals = [AbortSignal.timeout(ms), this.signal, extra].filter((x): x is AbortSignal => x !== undefined);
    return signals.length === 1 ? signals[0]! : AbortSignal.any(signals);
  }

  /** Per-call options for the typed APIs: attaches the timeout/abort signal to the request. */
  opts(ms = this.requestMs): ConfigurationOptions {
    const signal = this.requestSignal(ms);
    const mw: ObservableMiddleware = {
      pre: (ctx: RequestContext) => {
        ctx.setSignal(signal);
        return new Observable(Promise.resolve(ctx));
      },
      post: (res) => new Observable(Promise.resolve(res)),
    };
    return { middleware: [mw], middlewareMergeStrategy: 'append' };
  }

  /**
   * Runs one typed API call with a timeout and maps failures to KubeApiError:
   * `await kube.call('read node n1', (o) => kube.core.readNode({ name: 'n1' }, o))`.
   */
  async call<T>(what: string, fn: (opts: ConfigurationOptions) => Promise<T>, ms?: number): Promise<T> {
    try {
      return await fn(this.opts(ms));
    } catch (err) {
      throw toKubeError(err, what);
    }
  }

  async #authFor(): Promise<{ headers: Record<string, string>; dispatcher: Dispatcher | undefined }> {
    // Re-derived every minute so exec/OIDC tokens refresh; the dispatcher (TLS settings) is kept.
    if (this.#auth && Date.now() - this.#auth.at < 60_000) return this.#auth;
    const ctx = new RequestContext(this.server, HttpMethod.GET);
    await this.kc.applySecurityAuthentication(ctx);
    const dispatcher = this.#auth?.dispatcher ?? (ctx.getDispatcher() as Dispatcher | undefined);
    this.#auth = { headers: ctx.getHeaders(), dispatcher, at: Date.now() };
    return this.#auth;
  }

  /**
   * One raw JSON request (`path` like `/api/v1/pods`). Non-2xx answers become KubeApiError with
   * the API server's Status message; transport failures and timeouts likewise.
   */
  /**
   * A raw JSON request. `detached`: bounded by its own timeout only, not by the run's signal —
   * for cleanup that must still happen after the run was aborted or hit its deadline.
   */
  async request<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, opts: { query?: Record<string, string | number | undefined>; body?: unknown; what?: string; ms?: number; contentType?: string; signal?: AbortSignal; detached?: boolean } = {}): Promise<T> {
    const what = opts.what ?? `${method} ${path}`;
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
    try {
      const auth = await this.#authFor();
      const headers: Record<string, string> = { ...auth.headers, accept: 'application/json' };
      if (opts.body !== undefined) headers['content-type'] = opts.contentType ?? 'application/json';
      const res = await fetch(url, {
        method,
        headers,
        ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
        signal: opts.detached ? AbortSignal.timeout(opts.ms ?? this.requestMs) : this.requestSignal(opts.ms, opts.signal),
        ...(auth.dispatcher ? { dispatcher: auth.dispatcher } : {}),
      });
      const text = await res.text();
      if (res.status < 200 || res.status > 299) {
        let message = text.slice(0, 300);
        try {
          const m = (JSON.parse(text) as { message?: unknown }).message;
          if (typeof m === 'string') message = m;
        } catch {
          /* not a Status object: keep the text head */
        }
        throw new KubeApiError(what, statusKind(res.status), message || `HTTP ${res.status}`, res.status);
      }
      return (text ? JSON.parse(text) : undefined) as T;
    } catch (err) {
      throw toKubeError(err, what);
    }
  }

  /**
   * Streams a list page by page (`limit` + `continue`), each page under its own timeout, so a
   * caller can keep only what it needs (diagnose keeps the events of failing pods only).
   * Returns how many items were seen and whether `maxItems` cut the list short.
   */
  async listEach<T>(path: string, onItem: (item: T) => void, opts: ListEachOptions<T> = {}): Promise<{ seen: number; truncated: boolean }> {
    let cont: string | undefined;
    let seen = 0;
    const limit = opts.limit ?? DEFAULT_PAGE;
    const max = opts.maxItems ?? Number.POSITIVE_INFINITY;
    const what = opts.what ?? `list ${path}`;
    const each = (it: T) => {
      seen++;
      onItem(it);
    };
    for (let page = 0; page < 1_000_000; page++) {
      opts.signal?.throwIfAborted();
      // resourceVersion=0 on the first page only: the continue token carries the version after it.
      const query = { limit: limit > 0 ? limit : undefined, continue: cont, fieldSelector: opts.fieldSelector, labelSelector: opts.labelSelector, ...(opts.fromCache && !cont ? { resourceVersion: '0' } : {}) };
      if (opts.protobuf && this.protobuf) {
        cont = (await this.#listPage(path, query, what, opts.protobuf, each, opts.signal)) || undefined;
      } else {
        const res = await this.request<RawList<T>>('GET', path, { query, what, ...(opts.signal ? { signal: opts.signal } : {}) });
        for (const it of res.items ?? []) each(it);
        cont = res.metadata?.continue || undefined;
      }
      if (!cont) return { seen, truncated: false };
      if (seen >= max) return { seen, truncated: true };
    }
    return { seen, truncated: true };
  }

  /**
   * One list page asked for as protobuf (JSON accepted); a protobuf answer is decoded while it
   * streams in (ListDecoder), items going to `each` as they complete. Returns the continue token.
   */
  async #listPage<T>(path: string, query: Record<string, string | number | undefined>, what: string, item: ProtoItem<T>, each: (it: T) => void, signal: AbortSignal | undefined): Promise<string> {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
    let res: Response;
    try {
      const auth = await this.#authFor();
      res = await fetch(url, {
        headers: { ...auth.headers, accept: `${PROTOBUF_TYPE}, application/json;q=0.9`, ...(this.compression ? {} : { 'accept-encoding': 'identity' }) },
        signal: this.requestSignal(undefined, signal),
        ...(auth.dispatcher ? { dispatcher: auth.dispatcher } : {}),
      });
    } catch (err) {
      throw toKubeError(err, what);
    }
    const type = res.headers.get('content-type') ?? '';
    const ok = res.status >= 200 && res.status <= 299;
    if (ok && type.startsWith(PROTOBUF_TYPE) && res.body) {
      const decoder = new ListDecoder(item, each);
      const reader = res.body.getReader();
      try {
        for (;;) {
          let chunk: ReadableStreamReadResult<Uint8Array>;
          try {
            chunk = await reader.read();
          } catch (err) {
            throw toKubeError(err, what);
          }
          if (chunk.done) break;
          decoder.push(chunk.value);
        }
        return decoder.end().continue;
      } catch (err) {
        // Stop the transfer (the connection is not left half-read), and name the request.
        await reader.cancel().catch(() => undefined);
        if (err instanceof ProtobufError) throw new KubeApiError(what, 'other', `unreadable protobuf answer (${err.message})`, undefined, err);
        throw err;
      }
    }
    let body: Buffer;
    try {
      body = Buffer.from(await res.arrayBuffer());
    } catch (err) {
      throw toKubeError(err, what);
    }
    if (!ok) {
      let message = type.startsWith(PROTOBUF_TYPE) ? statusMessage(body) : undefined;
      if (!message) {
        const text = body.toString('utf8', 0, Math.min(body.length, 64 * 1024));
        try {
          const m = (JSON.parse(text) as { message?: unknown }).message;
          if (typeof m === 'string') message = m;
        } catch {
          message = text.slice(0, 300);
        }
      }
      throw new KubeApiError(what, statusKind(res.status), message || `HTTP ${res.status}`, res.status);
    }
    const list = JSON.parse(body.toString('utf8')) as RawList<T>;
    for (const it of list.items ?? []) each(it);
    return list.metadata?.continue ?? '';
  }

  /** Every item of a list (paginated; see listEach). */
  async listAll<T>(path: string, opts: ListOptions = {}): Promise<{ items: T[]; truncated: boolean }> {
    const items: T[] = [];
    const r = await this.listEach<T>(path, (it) => items.push(it), opts);
    return { items, truncated: r.truncated };
  }

  /** Closes the shared dispatcher (keep-alive sockets); the client is unusable afterwards. */
  async close(): Promise<void> {
    const d = this.#auth?.dispatcher as { close?: () => Promise<void> } | undefined;
    this.#auth = undefined;
    await d?.close?.().catch(() => undefined);
  }
}

function isLoopback(server: string): boolean {
  try {
    const h = new URL(server).hostname.replace(/^\[|\]$/g, '');
    return h === 'localhost' || h === '::1' || /^127\./.test(h);
  } catch {
    return false;
  }
}

function statusKind(status: number): KubeApiError['kind'] {
  return status === 401 ? 'unauthorized' : status === 403 ? 'forbidden' : status === 404 ? 'not-found' : status === 409 ? 'conflict' : status === 410 ? 'gone' : status === 400 || status === 422 ? 'invalid' : status >= 500 ? 'server' : 'other';
}

/**
 * Loads the kubeconfig the target names (path relative to the target file; else $KUBECONFIG /
 * ~/.kube/config) and selects its context. A missing file or unknown context is a UsageError
 * that lists what exists; nothing is contacted here.
 */
export function loadKubeConfig(target: Pick<Target, 'kubernetes' | 'baseDir'>): KubeConfig {
  const k = target.kubernetes;
  const kc = new KubeConfig();
  if (k?.kubeconfig) {
    const file = resolve(target.baseDir, k.kubeconfig);
    if (!existsSync(file)) throw new UsageError(`kubernetes.kubeconfig: file ${file} does not exist`);
    try {
      kc.loadFromFile(file);
    } catch (err) {
      throw new UsageError(`kubernetes.kubeconfig: ${file} is not a valid kubeconfig: ${(err as Error).message.split('\n')[0]}`, { cause: err });
    }
  } else {
    try {
      kc.loadFromDefault();
    } catch (err) {
      throw new UsageError(`no usable kubeconfig ($KUBECONFIG or ~/.kube/config): ${(err as Error).message.split('\n')[0]}`, { cause: err });
    }
  }
  const names = kc.getContexts().map((c) => c.name);
  if (k?.context) {
    if (!names.includes(k.context)) {
      throw new UsageError(`kubernetes.context: context "${k.context}" is not in the kubeconfig`, { hint: names.length ? `available contexts: ${names.join(', ')}` : 'the kubeconfig has no contexts' });
    }
    kc.setCurrentContext(k.context);
  }
  if (!kc.getCurrentContext() || !kc.getContextObject(kc.getCurrentContext())) {
    throw new UsageError('the kubeconfig has no current context', { hint: names.length ? `set kubernetes.context to one of: ${names.join(', ')}` : 'the kubeconfig has no contexts' });
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new UsageError(`kubeconfig context "${kc.getCurrentContext()}" names a cluster that is not defined`);
  // Files the context points at are read only on the first request, where a missing one would
  // look like an unreachable API server: name it here instead.
  const user = kc.getCurrentUser();
  const files: [string, string | undefined][] = [
    [`cluster "${cluster.name}" certificate-authority`, cluster.caFile],
    [`user "${user?.name ?? ''}" client-certificate`, user?.certFile],
    [`user "${user?.name ?? ''}" client-key`, user?.keyFile],
  ];
  for (const [what, file] of files) {
    if (file && !existsSync(file)) throw new UsageError(`kubeconfig context "${kc.getCurrentContext()}": ${what} file ${file} does not exist`);
  }
  return kc;
}

/** A KubeClient for the target's cluster, bounded by the target's request timeout. */
export function kubeForTarget(target: Target, signal?: AbortSignal): KubeClient {
  const file = target.kubernetes?.kubeconfig ? resolve(target.baseDir, target.kubernetes.kubeconfig) : undefined;
  return new KubeClient(loadKubeConfig(target), { requestMs: Math.max(target.timeouts.requestMs, 5_000), ...(signal ? { signal } : {}), ...(file ? { kubeconfigPath: file } : {}) });
}

/**
 * A KubeClient from command-line style options (the `diagnose` command without a target file):
 * `kubeconfig` (else $KUBECONFIG / ~/.kube/config) and `context` (else the current one).
 */
export function kubeFromOptions(o: { kubeconfig?: string; context?: string; requestMs?: number; signal?: AbortSignal } = {}): KubeClient {
  const kc = loadKubeConfig({
    baseDir: process.cwd(),
    kubernetes: {
      ...(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {}),
      ...(o.context ? { context: o.context } : {}),
      allowProbes: false,
      probeNamespace: 'hybrid-doctor',
      hybridSelector: 'eks.amazonaws.com/compute-type=hybrid',
    },
  });
  return new KubeClient(kc, { ...(o.requestMs ? { requestMs: o.requestMs } : {}), ...(o.signal ? { signal: o.signal } : {}), ...(o.kubeconfig ? { kubeconfigPath: resolve(o.kubeconfig) } : {}) });
}
