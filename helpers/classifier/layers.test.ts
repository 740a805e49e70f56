import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { peel } from './layers.ts';
import { classifyPullError } from './pull-error-classifier.ts';

interface Vector { text: string; source: string }
const load = (name: string): Vector[] => JSON.parse(readFileSync(fileURLToPath(new URL(`./vectors/${name}`, import.meta.url)), 'utf8')) as Vector[];
const bySource = (vs: Vector[], source: string): string => {
  const v = vs.find((x) => x.source === source);
  if (!v) throw new Error(`no vector from ${source}`);
  return v.text;
};
const pub = load('public-pull-errors.json');
const recorded = load('sandbox-recorded.json');

// Real texts (public threads, the sandbox's own kubelet) with the layers, step, failing request and
// innermost error a reader of the runtimes' code would name.
const cases: { name: string; text: string; layers: string[]; step?: string; request?: string; token?: string; inner: RegExp }[] = [
  {
    name: 'kubelet > containerd: anonymous token 403 (no credentials configured)',
    text: bySource(pub, 'https://github.com/nloui/paperless-mcp/issues/10'),
    layers: ['kubelet', 'containerd'],
    step: 'authorize',
    request: 'token',
    token: 'anonymous',
    inner: /^403 Forbidden$/,
  },
  {
    name: 'kubeadm > crictl > CRI > containerd: manifest HEAD times out',
    text: bySource(pub, 'https://github.com/kubernetes/kubeadm/issues/2936'),
    layers: ['kubeadm', 'crictl', 'cri', 'containerd'],
    step: 'fetch-manifest',
    request: 'manifest',
    inner: /^dial tcp 64\.233\.187\.82:443: i\/o timeout$/,
  },
  {
    name: 'crictl > CRI-O > containers/image: plain HTTP on the /v2/ ping',
    text: bySource(pub, 'https://github.com/cri-o/cri-o/issues/5415'),
    layers: ['crictl', 'cri', 'cri-o', 'containers-image'],
    step: 'resolve',
    request: 'ping',
    inner: /^http: server gave HTTP response to HTTPS client$/,
  },
  {
    name: 'podman > containers/image: x509 on the ping',
    text: bySource(pub, 'https://github.com/podman-container-tools/podman/issues/13330'),
    layers: ['podman', 'containers-image'],
    step: 'resolve',
    request: 'ping',
    inner: /^x509: certificate signed by unknown authority$/,
  },
  {
    name: 'dockerd log: Handler for POST /images/create, a bare Forbidden from a proxy',
    text: bySource(pub, 'https://github.com/10up/wp-local-docker/issues/61'),
    layers: ['docker'],
    step: 'resolve',
    request: 'ping',
    inner: /^Forbidden$/,
  },
  {
    name: 'kubelet > CRI > containerd: failed commit on ref with the empty-body digest',
    text: bySource(pub, 'https://github.com/xunholy/k8s-gitops/issues/373'),
    layers: ['kubelet', 'cri', 'containerd'],
    step: 'fetch-blob',
    inner: /^unexpected commit digest sha256:e3b0c442/,
  },
  {
    name: 'docker: failed to register layer (unpack)',
    text: bySource(pub, 'https://github.com/Termix-SSH/Termix/issues/373'),
    layers: ['docker'],
    step: 'unpack',
    inner: /^ApplyLayer exit status 1 stdout: stderr: unexpected EOF$/,
  },
  {
    name: 'admission webhook (Gatekeeper + Ratify)',
    text: bySource(pub, 'https://github.com/Azure/notation-azure-kv/issues/31'),
    layers: ['admission'],
    step: 'policy',
    inner: /Subject failed verification/,
  },
  {
    name: 'go-containerregistry (crane/cosign): Harbor PROJECTPOLICYVIOLATION',
    text: bySource(pub, 'https://github.com/sigstore/cosign/issues/3163'),
    layers: ['go-containerregistry'],
    step: 'fetch-manifest',
    request: 'manifest',
    inner: /^PROJECTPOLICYVIOLATION: The image is not signed in Cosign$/,
  },
  {
    name: 'the sandbox kubelet v1.33 + containerd 1.6: x509 on the manifest HEAD',
    text: recorded[0]!.text,
    layers: ['kubelet', 'containerd'],
    step: 'fetch-manifest',
    request: 'manifest',
    inner: /^x509: certificate signed by unknown authority$/,
  },
];

describe('peel', () => {
  it.each(cases)('$name', (c) => {
    const p = peel(c.text.replace(/\s+/g, ' ').trim());
    expect(p.layers).toEqual(c.layers);
    expect(p.step).toBe(c.step);
    expect(p.request?.kind).toBe(c.request);
    expect(p.token).toBe(c.token);
    expect(p.inner).toMatch(c.inner);
  });

  it('leaves a text without wrappers as it is', () => {
    expect(peel('x509: certificate signed by unknown authority')).toEqual({ layers: [], wrappers: [], inner: 'x509: certificate signed by unknown authority' });
  });
});

describe('classification carries step, layers, origin and what would decide', () => {
  it.each([
    { source: 'https://github.com/nloui/paperless-mcp/issues/10', cause: 'auth.credentials-missing', step: 'authorize', origin: 'http' },
    { source: 'https://github.com/10up/wp-local-docker/issues/61', cause: 'net.proxy-error', step: 'resolve', origin: 'http' },
    { source: 'https://github.com/kubernetes/kubernetes/issues/120188', cause: 'auth.pull-secret-missing', step: 'kubelet', origin: 'kubelet' },
    { source: 'https://github.com/sse-secure-systems/connaisseur/pull/14', cause: 'image.policy-unsigned', step: 'policy', origin: 'policy' },
  ])('$cause from $source', (c) => {
    const r = classifyPullError(bySource(pub, c.source));
    expect(r).toMatchObject({ cause: c.cause, step: c.step, origin: c.origin });
    if (r.alternatives?.length) expect(r.distinguish?.length).toBeGreaterThan(20);
  });

  it('an ambiguous text gives lower confidence, alternatives and the evidence that decides', () => {
    const r = classifyPullError(bySource(pub, 'https://github.com/aws/eks-charts/issues/1044'));
    expect(r).toMatchObject({ cause: 'auth.credentials-invalid', confidence: 'medium', step: 'fetch-manifest' });
    expect(r.alternatives).toContain('auth.credentials-missing');
    expect(r.distinguish).toMatch(/auths key/);
  });
});
