import type { CauseId } from '../findings/cause-ids.ts';

/**
 * Registry / Harbor error bodies: `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"…"}]}`
 * (distribution spec) and what they mean for a pull.
 */
export interface RegistryErrorEntry {
  code: string;
  message: string;
}

/** Parses an error body; [] for anything that is not the `{errors:[…]}` shape (HTML, empty). */
export function parseRegistryErrors(body: Buffer | string): RegistryErrorEntry[] {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return [];
  }
  const errors = (json as { errors?: unknown })?.errors;
  if (!Array.isArray(errors)) return [];
  return errors
    .filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null)
    .map((e) => ({ code: String(e.code ?? ''), message: typeof e.message === 'string' ? e.message : String(e.message ?? '') }));
}

const SIGNATURE_TEXT = /not signed|signature|cosign|notation|notary|content trust/i;
const VULN_TEXT = /vulnerab|severity|cve|not been scanned|scan/i;

/**
 * Cause for a non-2xx answer on the pull path (manifest or blob), given a token was presented.
 *
 * - 404 / NOT_FOUND / MANIFEST_UNKNOWN / NAME_UNKNOWN / BLOB_UNKNOWN → image.not-found
 * - 412 / PROJECTPOLICYVIOLATION: signature wording ("The image is not signed by notation." /
 *   "... by cosign.", Harbor 2.13 src/server/middleware/contenttrust) → image.policy-unsigned;
 *   vulnerability wording (prevent_vul, which Harbor only enforces with a scanner:
 *   src/controller/scan/checker.go) → image.policy-vulnerability. A 412 that says neither (a
 *   bodyless HEAD answer) is not guessed: both policies answer HEAD with a bare 412
 *   (building.md, differences 2 and 3), so it stays image.unknown; fetchManifest repeats a HEAD
 *   as GET to read the text.
 * - 429 / TOOMANYREQUESTS → image.rate-limited
 * - 401 / 403 / UNAUTHORIZED / DENIED after a token was obtained → auth.insufficient-scope
 * - 5xx → harbor.unhealthy: Harbor core answered but a component behind it (registry, database,
 *   redis, storage) failed; the harbor.health check names the component.
 * - anything else → image.unknown
 */
export function classifyRegistryError(status: number, errors: RegistryErrorEntry[]): CauseId {
  const codes = errors.map((e) => e.code.toUpperCase());
  const text = errors.map((e) => e.message).join(' ');
  if (status === 404 || codes.some((c) => c === 'NOT_FOUND' || c === 'MANIFEST_UNKNOWN' || c === 'NAME_UNKNOWN' || c === 'BLOB_UNKNOWN')) return 'image.not-found';
  if (status === 412 || codes.includes('PROJECTPOLICYVIOLATION')) {
    if (SIGNATURE_TEXT.test(text) && !VULN_TEXT.test(text)) return 'image.policy-unsigned';
    if (VULN_TEXT.test(text)) return 'image.policy-vulnerability';
    return 'image.unknown';
  }
  if (status === 429 || codes.includes('TOOMANYREQUESTS')) return 'image.rate-limited';
  if (status === 401 || status === 403 || codes.includes('UNAUTHORIZED') || codes.includes('DENIED')) return 'auth.insufficient-scope';
  if (status >= 500) return 'harbor.unhealthy';
  return 'image.unknown';
}
