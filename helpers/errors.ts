/**
 * A mistake the user can fix (bad flag, unreadable target, malformed YAML/PEM/TOML). The CLI
 * prints `message` (and `hint`) without a stack trace and exits 2.
 */
export class UsageError extends Error {
  readonly hint: string | undefined;
  constructor(message: string, options?: { hint?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UsageError';
    this.hint = options?.hint;
  }
}

/** Walks an error's `cause` chain (undici and Node wrap the interesting error). */
export function* causeChain(err: unknown): Generator<unknown> {
  const seen = new Set<unknown>();
  let cur: unknown = err;
  while (cur && !seen.has(cur)) {
    seen.add(cur);
    yield cur;
    if (cur instanceof AggregateError) for (const e of cur.errors) yield* causeChain(e);
    cur = (cur as { cause?: unknown }).cause;
  }
}

/** First `code` property along the cause chain (ECONNREFUSED, CERT_HAS_EXPIRED, UND_ERR_...). */
export function errorCodes(err: unknown): string[] {
  const codes: string[] = [];
  for (const e of causeChain(err)) {
    const c = (e as { code?: unknown })?.code;
    if (typeof c === 'string') codes.push(c);
  }
  return codes;
}

export function errorText(err: unknown): string {
  return [...causeChain(err)].map((e) => (e instanceof Error ? e.message : String(e))).filter(Boolean).join(': ');
}
