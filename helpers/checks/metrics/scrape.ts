import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import { errorCodes, errorText } from '../../errors.ts';
import type { Target } from '../../target/load.ts';
import { targetPath } from '../../target/load.ts';
import { NotPrometheusText, parsePrometheusText, type Families } from './prom-text.ts';

/** Bodies larger than this are cut off and reported (a metrics page is a few hundred KiB). */
const MAX_BODY = 32 * 1024 * 1024;

export type ScrapeOutcome =
  | { ok: true; url: string; status: number; contentType: string; bytes: number; durationMs: number; families: Families }
  | { ok: false; url: string; reason: ScrapeFailure; detail: string; status?: number; codes: string[]; durationMs: number };

export type ScrapeFailure = 'refused' | 'connect-timeout' | 'timeout' | 'tls' | 'dns' | 'http-status' | 'auth' | 'not-found' | 'not-prometheus' | 'too-large' | 'network';

export interface ScrapeOptions {
  connectMs: number;
  requestMs: number;
  /** PEM CA bundle for https URLs (the Harbor CA); system roots when absent. */
  ca?: string;
  signal?: AbortSignal;
}

export function scrapeOptionsFor(target: Target, signal?: AbortSignal): ScrapeOptions {
  const ca = target.harbor.caBundle ? readFileSync(targetPath(target, target.harbor.caBundle), 'utf8') : undefined;
  return { connectMs: target.timeouts.connectMs, requestMs: target.timeouts.requestMs, ...(ca ? { ca } : {}), ...(signal ? { signal } : {}) };
}

/**
 * One GET of a metrics URL, parsed. Never throws for target faults: refused, timeouts, TLS,
 * non-2xx and bodies that are not Prometheus text come back as `{ ok: false, reason, detail }`.
 */
export async function scrape(url: string, opts: ScrapeOptions): Promise<ScrapeOutcome> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  const https = url.startsWith('https:');
  const agent = new Agent({
    connect: { timeout: opts.connectMs, ...(https && opts.ca ? { ca: opts.ca } : {}) },
    headersTimeout: opts.requestMs,
    bodyTimeout: opts.requestMs,
  });
  const deadline = AbortSignal.timeout(opts.requestMs + opts.connectMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, deadline]) : deadline;
  try {
    const res = await request(url, {
      method: 'GET',
      dispatcher: agent,
      signal,
      headers: { accept: 'text/plain;version=0.0.4;q=1,*/*;q=0.1', 'user-agent': 'hybrid-doctor' },
    });
    const contentType = String(res.headers['content-type'] ?? '');
    if (res.statusCode < 200 || res.statusCode > 299) {
      await res.body.dump().catch(() => undefined); // the body of an error page is not needed
      const reason: ScrapeFailure = res.statusCode === 404 ? 'not-found' : res.statusCode === 401 || res.statusCode === 403 ? 'auth' : 'http-status';
      const hint = reason === 'not-found' ? ' (wrong metrics path, or metrics disabled in harbor.yml)'
        : reason === 'auth' ? ' (the endpoint demands authentication; Harbor serves metrics without it)' : '';
      return { ok: false, url, reason, status: res.statusCode, detail: `HTTP ${res.statusCode}${hint}`, codes: [], durationMs: ms() };
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY) {
        res.body.destroy();
        return { ok: false, url, reason: 'too-large', status: res.statusCode, detail: `response body larger than ${MAX_BODY} bytes`, codes: [], durationMs: ms() };
      }
      chunks.push(chunk as Buffer);
    }
    const body = Buffer.concat(chunks).toString('utf8');
    try {
      const families = parsePrometheusText(body);
      return { ok: true, url, status: res.statusCode, contentType, bytes: size, durationMs: ms(), families };
    } catch (err) {
      if (!(err instanceof NotPrometheusText)) throw err;
      return { ok: false, url, reason: 'not-prometheus', status: res.statusCode, detail: `HTTP ${res.statusCode}, content-type "${contentType || 'none'}": ${err.detail}`, codes: [], durationMs: ms() };
    }
  } catch (err) {
    const codes = errorCodes(err);
    const has = (...c: string[]) => codes.some((x) => c.includes(x));
    let reason: ScrapeFailure = 'network';
    let detail = errorText(err);
    if (has('ECONNREFUSED')) { reason = 'refused'; detail = `connection refused (${new URL(url).host})`; }
    else if (has('UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH')) { reason = 'connect-timeout'; detail = `TCP connect did not complete within ${opts.connectMs} ms (${codes[0]})`; }
    else if (has('UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT') || (err as Error)?.name === 'TimeoutError' || deadline.aborted) { reason = 'timeout'; detail = `connected, but no complete response within ${opts.requestMs} ms`; }
    else if (has('ENOTFOUND', 'EAI_AGAIN')) { reason = 'dns'; detail = `name ${new URL(url).hostname} does not resolve (${codes[0]})`; }
    else if (codes.some((c) => /CERT|SSL|TLS|ERR_TLS|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO/.test(c)) || /EPROTO|wrong version number|packet length too long/.test(detail)) {
      reason = 'tls'; detail = `TLS failed: ${codes[0] ?? ''} ${detail}`.trim();
    } else if (opts.signal?.aborted) {
      throw err; // the run was cancelled: not a finding about the target
    }
    return { ok: false, url, reason, detail, codes, durationMs: ms() };
  } finally {
    await agent.close().catch(() => undefined);
  }
}

/**
 * Harbor serves the exporter's families on `<port>/<path>` and core / registry / jobservice
 * families on the same URL with `?comp=core|registry|jobservice` (Harbor docs, "Access Metrics").
 * Returns the URL of the core component when `url` names no component, else undefined.
 */
export function coreComponentUrl(url: string): string | undefined {
  const u = new URL(url);
  if (u.searchParams.has('comp')) return undefined;
  u.searchParams.set('comp', 'core');
  return u.toString();
}
