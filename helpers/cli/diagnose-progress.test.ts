import { describe, expect, it } from 'vitest';
import { diagnoseProgress } from './diagnose.ts';

/** A stream that records what is written, and a clock the test moves. */
function rig(live: boolean) {
  const writes: string[] = [];
  let t = 0;
  const p = diagnoseProgress({ write: (s: string) => writes.push(s), columns: 60 }, { live, now: () => t });
  return { p, writes, tick: (ms: number) => (t += ms) };
}

function drive(r: ReturnType<typeof rig>) {
  r.p.phase('checking tls, dns first');
  r.tick(2000);
  r.p.phase('listing pods and events');
  for (let i = 1; i <= 3200; i++) {
    r.p.diagnose({ phase: 'listing', pods: i, events: i * 4, nodes: 3 });
    if (i % 100 === 0) r.tick(30);
  }
  r.p.diagnose({ phase: 'analysing', pods: 12 });
  r.p.end();
}

describe('diagnose progress on stderr', () => {
  it('without a terminal: a few plain lines, one per phase, with the final counts', () => {
    const r = rig(false);
    drive(r);
    expect(r.writes.join('')).toBe(
      ['hybrid-doctor: checking tls, dns first…', 'hybrid-doctor: listing pods and events…', 'hybrid-doctor: listed 3,200 pods, 12,800 events, 3 nodes', 'hybrid-doctor: analysing 12 pods…', ''].join('\n'),
    );
  });

  it('on a terminal: one line rewritten in place, throttled, cleared at the end', () => {
    const r = rig(true);
    drive(r);
    expect(r.writes.every((w) => w.startsWith('\r\x1b[2K'))).toBe(true);
    expect(r.writes.join('')).not.toContain('\n');
    // 3,200 listing reports over ~1 s of clock: drawn at most every 100 ms, not 3,200 times.
    expect(r.writes.length).toBeLessThan(20);
    expect(r.writes).toContain('\r\x1b[2Kchecking tls, dns first… · 0 s');
    expect(r.writes.some((w) => /^\r\x1b\[2Klisting… [\d,]+ pods, [\d,]+ events, 3 nodes · \d s$/.test(w))).toBe(true);
    expect(r.writes.at(-2)).toBe('\r\x1b[2Kanalysing 12 pods… · 0 s');
    expect(r.writes.at(-1)).toBe('\r\x1b[2K');
    for (const w of r.writes) expect(w.length - 5).toBeLessThanOrEqual(59);
  });
});
