import { readFile } from 'node:fs/promises';

/** The parts of a V8 .cpuprofile (Node's --cpu-prof, or the inspector's Profiler.stop) read here. */
export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number; readonly columnNumber: number };
    readonly hitCount?: number;
  }[];
  /** Microseconds on the monotonic clock (the one process.hrtime reads, on Linux). */
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

export interface TopFrame {
  readonly functionName: string;
  readonly url: string;
  /** 1-based (the profile's lineNumber is 0-based); 0 for V8's own entries such as (garbage collector). */
  readonly line: number;
  readonly selfMs: number;
  /** Share of the busy time: every sample except (idle). */
  readonly selfPercent: number;
}

export interface ProfileSummary {
  /** Sampled time in the window, idle included. */
  readonly totalMs: number;
  readonly idleMs: number;
  /** True when the samples were cut to the window; false when there was none, it missed the profile or samples carry no times: the whole profile counts. */
  readonly windowed: boolean;
  readonly frames: readonly TopFrame[];
}

/** Monotonic microseconds, to compare with a profile's sample times. */
export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1_000n);
}

export async function readProfile(path: string): Promise<CpuProfile> {
  return JSON.parse(await readFile(path, 'utf8')) as CpuProfile;
}

/**
 * The frames with the most self time. A sample lasts until the next one (the last until
 * endTime), as DevTools counts it; without samples, hitCount spreads the profile's length.
 * Frames are summed by function and place, over every call path that reached them. With a
 * window (monotonic µs), only samples taken inside it count.
 */
export function topFrames(profile: CpuProfile, limit = 20, window?: { readonly startUs: number; readonly endUs: number }): ProfileSummary {
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const timed = samples.length > 0 && samples.length === deltas.length;
  const inProfile = timed && window !== undefined && window.startUs < profile.endTime && window.endUs > profile.startTime;
  if (timed) {
    let at = profile.startTime;
    const times = deltas.map((delta) => (at += delta));
    samples.forEach((id, i) => {
      const time = times[i] ?? profile.endTime;
      if (inProfile && window !== undefined && (time < window.startUs || time > window.endUs)) return;
      const lasts = (times[i + 1] ?? profile.endTime) - time;
      selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, lasts));
    });
  } else {
    const hits = profile.nodes.reduce((sum, n) => sum + (n.hitCount ?? 0), 0);
    const perHit = hits === 0 ? 0 : (profile.endTime - profile.startTime) / hits;
    for (const node of profile.nodes) selfUs.set(node.id, (node.hitCount ?? 0) * perHit);
  }
  const byFrame = new Map<string, { functionName: string; url: string; line: number; us: number }>();
  let totalUs = 0;
  let idleUs = 0;
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    if (us === 0) continue;
    const { functionName, url, lineNumber, columnNumber } = node.callFrame;
    totalUs += us;
    if (functionName === '(idle)') idleUs += us;
    const key = `${functionName}\u0000${url}\u0000${lineNumber}\u0000${columnNumber}`;
    const frame = byFrame.get(key) ?? { functionName: functionName || '(anonymous)', url, line: lineNumber + 1, us: 0 };
    frame.us += us;
    byFrame.set(key, frame);
  }
  const busyUs = totalUs - idleUs;
  const frames = [...byFrame.values()]
    .filter((f) => f.functionName !== '(idle)')
    .sort((a, b) => b.us - a.us)
    .slice(0, limit)
    .map((f) => ({
      functionName: f.functionName,
      url: f.url,
      line: f.line,
      selfMs: f.us / 1_000,
      selfPercent: busyUs > 0 ? (100 * f.us) / busyUs : 0,
    }));
  return { totalMs: totalUs / 1_000, idleMs: idleUs / 1_000, windowed: inProfile, frames };
}

/** `url:line` made short: the repository prefix dropped, a dependency named from its last node_modules/. */
export function frameLocation(frame: Pick<TopFrame, 'url' | 'line'>, repoRoot: string): string {
  if (frame.url === '') return '-';
  let where = frame.url.replace(/^file:\/\//, '');
  const modules = where.lastIndexOf('/node_modules/');
  if (modules >= 0) where = where.slice(modules + '/node_modules/'.length);
  else if (where.startsWith(`${repoRoot}/`)) where = where.slice(repoRoot.length + 1);
  return `${where}:${frame.line}`;
}
