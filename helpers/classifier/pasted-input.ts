import type { CauseId } from '../findings/cause-ids.ts';
import { explainText, type Explanation } from './pull-error-classifier.ts';

/**
 * What `explain` accepts besides a single message: a pasted `kubectl describe pod` output,
 * `kubectl get events` (table, `-o json`, `-o yaml`) and `kubectl get pod -o json|yaml`. Each
 * relevant event or waiting message is classified once (duplicates merged, counts summed) and the
 * results are ordered root cause first.
 */

export type InputKind = 'message' | 'kubectl-describe-pod' | 'events-table' | 'events-json' | 'events-yaml' | 'pod-json' | 'pod-yaml';

export interface PastedMessage {
  text: string;
  /** Where it was found: `event Failed`, `container web (waiting ErrImagePull)`, `message`. */
  source: string;
  /** How often the cluster reported it (event counts, `(x4 over 3m)`), merged over duplicates. */
  count: number;
}

export interface PastedInput {
  kind: InputKind;
  pod?: { namespace?: string; name?: string };
  messages: PastedMessage[];
}

export interface ExplainedMessage extends PastedMessage {
  explanation: Explanation;
}

export interface PastedExplanation {
  kind: InputKind;
  pod?: { namespace?: string; name?: string };
  /** Root cause first (see `rootFirst`). */
  items: ExplainedMessage[];
}

/** Event reasons whose messages can name a pull problem (kubelet, controllers refused by webhooks). */
const PULL_REASONS = new Set(['Failed', 'BackOff', 'FailedToRetrieveImagePullSecret', 'FailedCreatePodSandBox', 'ErrImageNeverPull', 'InspectFailed', 'FailedCreate', 'ErrImagePull', 'ImagePullBackOff']);
/** Messages that only repeat the state (`Error: ErrImagePull`, a bare back-off): kept only when nothing else is there. */
const STATE_ONLY = /^(?:Error: (?:ErrImagePull|ImagePullBackOff)|Back-off pulling image "[^"]*"\.?)$/;
const WAITING_PULL = /ErrImagePull|ImagePullBackOff|ErrImageNeverPull|InvalidImageName|ImageInspectError|RegistryUnavailable|SignatureValidationFailed/;

interface EventLike {
  kind?: string;
  type?: string;
  reason?: string;
  message?: string;
  note?: string;
  count?: number;
  series?: { count?: number };
  deprecatedCount?: number;
  involvedObject?: { kind?: string; name?: string; namespace?: string };
  regarding?: { kind?: string; name?: string; namespace?: string };
}

interface PodLike {
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  status?: { containerStatuses?: ContainerStatusLike[]; initContainerStatuses?: ContainerStatusLike[] };
}
interface ContainerStatusLike {
  name?: string;
  state?: { waiting?: { reason?: string; message?: string } };
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function fromObjects(doc: unknown, kind: 'json' | 'yaml'): PastedInput | undefined {
  const list: unknown[] = Array.isArray(doc) ? doc : isObj(doc) && Array.isArray(doc.items) ? doc.items : [doc];
  const messages: PastedMessage[] = [];
  let pod: PastedInput['pod'];
  let sawEvent = false;
  let sawPod = false;
  for (const o of list) {
    if (!isObj(o)) continue;
    if (o.kind === 'Event' || ('reason' in o && ('message' in o || 'note' in o) && ('involvedObject' in o || 'regarding' in o))) {
      sawEvent = true;
      const e = o as EventLike;
      const text = e.message ?? e.note ?? '';
      if (!text || !(e.type === 'Warning' || PULL_REASONS.has(e.reason ?? ''))) continue;
      if (e.type === 'Normal' && !PULL_REASONS.has(e.reason ?? '')) continue;
      const obj = e.involvedObject ?? e.regarding;
      if (obj?.kind === 'Pod' && obj.name) pod ??= { ...(obj.namespace ? { namespace: obj.namespace } : {}), name: obj.name };
      messages.push({ text, source: `event ${e.reason ?? '?'}`, count: e.count ?? e.series?.count ?? e.deprecatedCount ?? 1 });
    } else if (o.kind === 'Pod') {
      sawPod = true;
      const p = o as PodLike;
      pod ??= { ...(p.metadata?.namespace ? { namespace: p.metadata.namespace } : {}), ...(p.metadata?.name ? { name: p.metadata.name } : {}) };
      for (const [init, statuses] of [[true, p.status?.initContainerStatuses], [false, p.status?.containerStatuses]] as const) {
        for (const s of statuses ?? []) {
          const w = s.state?.waiting;
          if (w?.message && WAITING_PULL.test(w.reason ?? '')) messages.push({ text: w.message, source: `${init ? 'init container' : 'container'} ${s.name ?? '?'} (waiting ${w.reason})`, count: 1 });
        }
      }
    }
  }
  if (!sawEvent && !sawPod) return undefined;
  return { kind: sawPod && !sawEvent ? (kind === 'json' ? 'pod-json' : 'pod-yaml') : kind === 'json' ? 'events-json' : 'events-yaml', ...(pod ? { pod } : {}), messages };
}

/** `61s (x4 over 3m1s)` → 4. */
const countOf = (age: string): number => Number(/\(x(\d+) over/.exec(age)?.[1] ?? 1);

/**
 * `kubectl describe pod`: the header fields, each container's waiting state and the Events table
 * (tabwriter columns separated by at least two spaces; the message is the last column and may run
 * on over continuation lines).
 */
function fromDescribe(text: string): PastedInput {
  const lines = text.split(/\r?\n/);
  const field = (name: string) => new RegExp(`^${name}:\\s+(\\S.*)$`).exec(lines.find((l) => l.startsWith(`${name}:`)) ?? '')?.[1]?.trim();
  const name = field('Name');
  const namespace = field('Namespace');
  const messages: PastedMessage[] = [];
  const ev = lines.findIndex((l) => /^Events:/.test(l));
  if (ev >= 0) {
    const row = /^\s*(Normal|Warning)\s{2,}(\S+)\s{2,}(.+?)\s{2,}(.+?)\s{2,}(\S.*)$/;
    let last: PastedMessage | undefined;
    for (const l of lines.slice(ev + 1)) {
      if (/^\s*Type\s+Reason\s+Age/.test(l) || /^\s*-{4}/.test(l)) continue;
      if (/^\S/.test(l)) break;
      const m = row.exec(l);
      if (m) {
        const [, type, reason, age, , message] = m;
        last = undefined;
        if (type === 'Normal' && !PULL_REASONS.has(reason!)) continue;
        if (type !== 'Warning' && !PULL_REASONS.has(reason!)) continue;
        last = { text: message!.trim(), source: `event ${reason}`, count: countOf(age!) };
        messages.push(last);
      } else if (last && l.trim()) {
        last.text += ` ${l.trim()}`;
      }
    }
  }
  // Container blocks: `  NAME:` then `    State: Waiting` / `      Reason: X` / `      Message: ...` (when shown).
  let container: string | undefined;
  let init = false;
  let reason: string | undefined;
  for (const l of lines) {
    if (/^Init Containers:/.test(l)) init = true;
    else if (/^Containers:/.test(l)) init = false;
    const c = /^ {2}([a-z0-9]([-a-z0-9.]*[a-z0-9])?):\s*$/.exec(l);
    if (c) {
      container = c[1];
      reason = undefined;
    }
    const r = /^\s+Reason:\s+(\S+)/.exec(l);
    if (r) reason = r[1];
    const msg = /^\s+Message:\s+(\S.*)$/.exec(l);
    if (msg && container && reason && WAITING_PULL.test(reason)) messages.push({ text: msg[1]!.trim(), source: `${init ? 'init container' : 'container'} ${container} (waiting ${reason})`, count: 1 });
    if (/^\S/.test(l) && !/^(?:Init )?Containers:/.test(l)) container = undefined;
  }
  return { kind: 'kubectl-describe-pod', ...(name || namespace ? { pod: { ...(namespace ? { namespace } : {}), ...(name ? { name } : {}) } } : {}), messages };
}

/** `kubectl get events` table: columns aligned under the header; MESSAGE is the last one. */
function fromEventsTable(text: string): PastedInput {
  const lines = text.split(/\r?\n/);
  const h = lines.findIndex((l) => /\bTYPE\s+REASON\s+OBJECT\s+MESSAGE\s*$/.test(l));
  const header = lines[h]!;
  const [typeAt, reasonAt, objectAt, messageAt] = ['TYPE', 'REASON', 'OBJECT', 'MESSAGE'].map((c) => header.search(new RegExp(`\\b${c}\\b`))) as [number, number, number, number];
  const messages: PastedMessage[] = [];
  let pod: PastedInput['pod'];
  for (const l of lines.slice(h + 1)) {
    if (!l.trim()) continue;
    const type = l.slice(typeAt, reasonAt).trim();
    const reason = l.slice(reasonAt, objectAt).trim();
    const object = l.slice(objectAt, messageAt).trim();
    const message = l.slice(messageAt).trim();
    if (!message || !(type === 'Warning' || PULL_REASONS.has(reason))) continue;
    if (type === 'Normal' && !PULL_REASONS.has(reason)) continue;
    const p = /^pod\/(\S+)$/.exec(object);
    if (p) pod ??= { name: p[1]! };
    messages.push({ text: message, source: `event ${reason}`, count: countOf(l.slice(0, typeAt)) });
  }
  return { kind: 'events-table', ...(pod ? { pod } : {}), messages };
}

/** Recognises the pasted format; anything unrecognised is one message. */
export async function readPastedInput(text: string): Promise<PastedInput> {
  const t = text.trim();
  const single: PastedInput = { kind: 'message', messages: [{ text: t, source: 'message', count: 1 }] };
  if (/^[[{]/.test(t)) {
    try {
      return fromObjects(JSON.parse(t), 'json') ?? single;
    } catch {
      // Not JSON after all (a message that starts with `[rpc error: ...`): read as a message.
    }
  }
  if (/^(?:apiVersion|kind|items|metadata):|^- (?:apiVersion|kind|metadata):/m.test(t) && /^kind:\s*(?:Event|List|EventList|Pod)\b|^\s*-?\s*kind:\s*Event\b|^\s+reason:/m.test(t)) {
    try {
      // Loaded only for YAML input: explain of a single message stays light.
      const { parse } = await import('yaml');
      const r = fromObjects(parse(t), 'yaml');
      if (r) return r;
    } catch {
      // Not YAML after all: read as a message.
    }
  }
  if (/^Name:\s+\S/m.test(t) && /^Events:/m.test(t)) return fromDescribe(t);
  if (/^.*\bTYPE\s+REASON\s+OBJECT\s+MESSAGE\s*$/m.test(t)) return fromEventsTable(t);
  return single;
}

/** kubelet states and policy refusals explain the pull errors that follow them. */
const ROOT_CAUSES = new Set<CauseId>(['auth.pull-secret-missing', 'auth.pull-secret-malformed', 'image.invalid-reference', 'image.pull-never', 'image.policy-unsigned', 'image.policy-vulnerability', 'node.sandbox-image-unpullable']);
const RANK = { high: 3, medium: 2, low: 1 } as const;

/**
 * Root cause first: a kubelet state or policy refusal (it explains the auth or pull errors it
 * causes), then specific causes over `image.unknown`, then confidence, then how often it was seen.
 */
function rootFirst(a: ExplainedMessage, b: ExplainedMessage): number {
  const ea = a.explanation;
  const eb = b.explanation;
  return (
    Number(ROOT_CAUSES.has(eb.cause)) - Number(ROOT_CAUSES.has(ea.cause)) ||
    Number(eb.cause !== 'image.unknown') - Number(ea.cause !== 'image.unknown') ||
    RANK[eb.confidence] - RANK[ea.confidence] ||
    b.count - a.count
  );
}

/** Reads the pasted input, classifies each relevant message once and orders them root cause first. */
export async function explainPasted(text: string): Promise<PastedExplanation> {
  const input = await readPastedInput(text);
  // Deduplicate on the collapsed text; `Error: ErrImagePull`-like lines only when nothing else is there.
  const byText = new Map<string, PastedMessage>();
  for (const m of input.messages) {
    const key = m.text.replace(/\s+/g, ' ').trim();
    const seen = byText.get(key);
    if (seen) seen.count += m.count;
    else byText.set(key, { ...m, text: key });
  }
  let messages = [...byText.values()];
  const informative = messages.filter((m) => !STATE_ONLY.test(m.text));
  if (informative.length) messages = informative;
  const items = messages.map((m) => ({ ...m, explanation: explainText(m.text) }));
  // The same cause from several messages (a Failed event and the waiting message): keep the first.
  const kept = new Map<string, ExplainedMessage>();
  const unique = items.sort(rootFirst).filter((i) => {
    const k = `${i.explanation.cause} ${i.explanation.params.image ?? ''}`;
    const first = kept.get(k);
    if (first) {
      first.count += i.count;
      return false;
    }
    kept.set(k, i);
    return true;
  });
  return { kind: input.kind, ...(input.pod ? { pod: input.pod } : {}), items: unique };
}
