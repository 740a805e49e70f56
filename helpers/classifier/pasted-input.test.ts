import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { explainPasted, readPastedInput } from './pasted-input.ts';

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`./testdata/${name}`, import.meta.url)), 'utf8');

// Fixtures in the exact layout kubectl prints (describe: tabwriter columns; get events: the table;
// -o json / -o yaml: the v1 Event List as the API returns it, YAML with folded long strings).
describe('explainPasted', () => {
  it.each([
    {
      file: 'describe-pod-missing-secret.txt',
      kind: 'kubectl-describe-pod',
      pod: { namespace: 'shop', name: 'web-7d9c6b8f5d-x2x7k' },
      // The missing secret explains the 401 that follows it: root cause first.
      causes: ['auth.pull-secret-missing', 'auth.credentials-invalid'],
      rootCount: 9,
    },
    {
      file: 'events-untrusted-ca.json',
      kind: 'events-json',
      pod: { namespace: 'shop', name: 'api-5f7c9d8b6-qm4zt' },
      causes: ['tls.untrusted-ca'],
      rootCount: 4,
    },
    {
      file: 'events-policy.yaml',
      kind: 'events-yaml',
      pod: { namespace: 'jobs', name: 'worker-6b8d9f7c5-h2k8p' },
      causes: ['image.policy-vulnerability'],
      rootCount: 3,
    },
    {
      file: 'events-table-nxdomain.txt',
      kind: 'events-table',
      pod: { name: 'cart-84c5d6f7b9-w9n2m' },
      causes: ['dns.nxdomain'],
      rootCount: 1,
    },
  ])('$file: $causes', async (c) => {
    const r = await explainPasted(fixture(c.file));
    expect(r.kind).toBe(c.kind);
    expect(r.pod).toEqual(c.pod);
    expect(r.items.map((i) => i.explanation.cause)).toEqual(c.causes);
    expect(r.items[0]!.count).toBe(c.rootCount);
    // State-only lines (`Error: ErrImagePull`, bare back-off) never show as their own item.
    for (const i of r.items) expect(i.text).not.toMatch(/^Error: (?:ErrImagePull|ImagePullBackOff)$/);
  });

  it('the YAML policy event carries the alternative and what decides it', async () => {
    const r = await explainPasted(fixture('events-policy.yaml'));
    const e = r.items[0]!.explanation;
    expect(e).toMatchObject({ confidence: 'medium', step: 'policy', alternatives: ['image.policy-unsigned'] });
    expect(e.distinguish).toMatch(/412 body/);
  });

  it('a pod object (-o json) gives its containers\' waiting messages', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-0', namespace: 'shop' },
      status: {
        phase: 'Pending',
        containerStatuses: [
          {
            name: 'web',
            image: 'harbor.example.com/apps/web:1.4.2',
            imageID: '',
            ready: false,
            restartCount: 0,
            started: false,
            state: { waiting: { reason: 'ErrImagePull', message: 'failed to pull and unpack image "harbor.example.com/apps/web:1.4.2": failed to resolve reference "harbor.example.com/apps/web:1.4.2": harbor.example.com/apps/web:1.4.2: not found' } },
          },
        ],
      },
    };
    const r = await explainPasted(JSON.stringify(pod, null, 2));
    expect(r.kind).toBe('pod-json');
    expect(r.items.map((i) => [i.source, i.explanation.cause])).toEqual([['container web (waiting ErrImagePull)', 'image.not-found']]);
  });

  it('a single message (also one starting with "[") stays a message', async () => {
    const text = '[rpc error: code = Unknown desc = failed to pull and unpack image "h.example/x:1": failed to resolve reference "h.example/x:1": h.example/x:1: not found, rpc error: code = Unknown desc = failed to pull and unpack image "h.example/x:1": failed to resolve reference "h.example/x:1": pulling from host h.example failed with status code [manifests 1]: 401 Unauthorized]';
    const input = await readPastedInput(text);
    expect(input.kind).toBe('message');
    const r = await explainPasted(text);
    expect(r.items).toHaveLength(1);
    expect(r.items[0]!.explanation.cause).toBe('image.not-found');
  });

  it('an events list with only state lines still explains something', async () => {
    const list = { kind: 'List', items: [{ kind: 'Event', type: 'Warning', reason: 'Failed', message: 'Error: ErrImagePull', count: 2, involvedObject: { kind: 'Pod', name: 'p', namespace: 'n' } }] };
    const r = await explainPasted(JSON.stringify(list));
    expect(r.items).toHaveLength(1);
    expect(r.items[0]!.count).toBe(2);
  });
});
