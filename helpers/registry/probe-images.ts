import type { Target } from '../target/load.ts';
import { harborUrl } from './http.ts';
import { parseReference, type ImageReference, type ParseReferenceResult } from './reference.ts';

/** One `images[]` entry with its parse result and whether it is served by the target's Harbor. */
export interface ProbeImage {
  ref: string;
  parsed: ParseReferenceResult;
  /** Platforms it must provide (image.platforms ?? nodes.platforms). */
  platforms: string[];
  onHarbor: boolean;
}

export function probeImages(target: Target): ProbeImage[] {
  const host = harborUrl(target).host;
  return target.images.map((img) => {
    const parsed = parseReference(img.ref);
    return { ref: img.ref, parsed, platforms: img.platforms ?? target.nodes.platforms, onHarbor: parsed.ok && parsed.ref.domain === host };
  });
}

/** Parsed references of the images served by Harbor. */
export function harborImages(target: Target): (ProbeImage & { parsed: { ok: true; ref: ImageReference } })[] {
  return probeImages(target).filter((i): i is ProbeImage & { parsed: { ok: true; ref: ImageReference } } => i.onHarbor && i.parsed.ok);
}

/** Harbor project of a repository path (`library/busybox` → `library`). */
export function projectOf(repository: string): string {
  return repository.split('/')[0] ?? repository;
}

/**
 * The repository the robot-auth checks ask a token for: the first Harbor image, else a
 * placeholder in the first configured project (Harbor grants per project; the repository need
 * not exist), else `library/hybrid-doctor-probe`.
 */
export function probeRepository(target: Target): string {
  const first = harborImages(target)[0];
  if (first) return first.parsed.ref.repository;
  return `${target.harbor.projects[0] ?? 'library'}/hybrid-doctor-probe`;
}
