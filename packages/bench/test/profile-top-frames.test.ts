import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { frameLocation, monotonicMicros, topFrames, type CpuProfile } from '../src/hot-path/profile-top-frames.ts';

// Two busy functions, profiled for real by V8's sampling profiler through node:inspector.
// The clock is read every 100,000 rounds, so the time is their own, not performance.now's.
function spinFirst(ms: number): number {
  let sink = 0;
  const until = performance.now() + ms;
  while (performance.now() < until) for (let i = 0; i < 100_000; i++) sink += Math.sqrt(sink + i);
  return sink;
}

function spinSecond(ms: number): number {
  let sink = 0;
  const until = performance.now() + ms;
  while (performance.now() < until) for (let i = 0; i < 100_000; i++) sink += Math.cbrt(sink + i);
  return sink;
}

const THIS_FILE = fileURLToPath(import.meta.url);
const lineOf = (name: string) =>
  readFileSync(THIS_FILE, 'utf8')
    .split('\n')
    .findIndex((l) => l.startsWith(`function ${name}(`)) + 1;

async function profileTwoPhases(): Promise<{ profile: CpuProfile; between: number }> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
    spinFirst(150);
    const between = monotonicMicros();
    spinSecond(150);
    const { profile } = await session.post('Profiler.stop');
    return { profile: profile as CpuProfile, between };
  } finally {
    session.disconnect();
  }
}

// Profiled once: called again, V8 would inline the hot spins into their caller and the
// samples would name the caller.
const { profile, between } = await profileTwoPhases();

test('top frames of a real profile: both busy functions, at their own file and line, by self time', () => {
  const summary = topFrames(profile, 20);
  assert.equal(summary.windowed, false);
  const first = summary.frames.find((f) => f.functionName === 'spinFirst');
  const second = summary.frames.find((f) => f.functionName === 'spinSecond');
  assert.ok(first !== undefined && second !== undefined, JSON.stringify(summary.frames.slice(0, 5)));
  assert.equal(fileURLToPath(first.url), THIS_FILE);
  assert.equal(first.line, lineOf('spinFirst'));
  assert.equal(second.line, lineOf('spinSecond'));
  assert.ok(summary.frames.length <= 20);
  for (let i = 1; i < summary.frames.length; i++)
    assert.ok((summary.frames[i - 1]?.selfMs ?? 0) >= (summary.frames[i]?.selfMs ?? 0), 'sorted');
  assert.ok(!summary.frames.some((f) => f.functionName === '(idle)'), 'idle is counted apart');
  const selfMs = summary.frames.reduce((sum, f) => sum + f.selfMs, 0);
  assert.ok(selfMs <= summary.totalMs - summary.idleMs + 1e-6);
  assert.ok(summary.frames.reduce((sum, f) => sum + f.selfPercent, 0) <= 100 + 1e-6);
  // A sample lasts until the next one: together they span from the first sample to the end.
  const firstSampleAt = profile.startTime + (profile.timeDeltas?.[0] ?? 0);
  assert.ok(Math.abs(summary.totalMs - (profile.endTime - firstSampleAt) / 1_000) < 0.01);
  assert.equal(topFrames(profile, 3).frames.length, 3);
});

test('cut to a window on the monotonic clock, only the samples inside it count', () => {
  const self = (s: ReturnType<typeof topFrames>, name: string) => s.frames.find((f) => f.functionName === name)?.selfMs ?? 0;
  const later = topFrames(profile, 20, { startUs: between, endUs: profile.endTime });
  assert.equal(later.windowed, true);
  assert.ok(self(later, 'spinSecond') > 0);
  assert.ok(self(later, 'spinSecond') > self(later, 'spinFirst'), JSON.stringify(later.frames.slice(0, 4)));
  const earlier = topFrames(profile, 20, { startUs: profile.startTime, endUs: between });
  assert.ok(self(earlier, 'spinFirst') > self(earlier, 'spinSecond'), JSON.stringify(earlier.frames.slice(0, 4)));
  // A window the profile never saw: the whole profile, said so.
  const missed = topFrames(profile, 20, { startUs: profile.endTime + 1_000, endUs: profile.endTime + 2_000 });
  assert.equal(missed.windowed, false);
  assert.deepEqual(missed, topFrames(profile, 20));
});

test('without sample times, hit counts share out the profile length', () => {
  const { samples: _samples, timeDeltas: _deltas, ...counts } = profile;
  const summary = topFrames(counts, 20, { startUs: profile.startTime, endUs: profile.endTime });
  assert.equal(summary.windowed, false);
  assert.ok(Math.abs(summary.totalMs - (profile.endTime - profile.startTime) / 1_000) < 1);
  assert.ok(summary.frames.some((f) => f.functionName === 'spinFirst'));
});

test('frame locations: repository-relative, a dependency from its package, V8 entries as "-"', () => {
  assert.equal(frameLocation({ url: 'file:///repo/packages/api/src/app.ts', line: 38 }, '/repo'), 'packages/api/src/app.ts:38');
  assert.equal(
    frameLocation({ url: 'file:///repo/node_modules/.pnpm/express@5/node_modules/express/lib/application.js', line: 152 }, '/repo'),
    'express/lib/application.js:152',
  );
  assert.equal(frameLocation({ url: 'node:_http_outgoing', line: 682 }, '/repo'), 'node:_http_outgoing:682');
  assert.equal(frameLocation({ url: '', line: 0 }, '/repo'), '-');
});
