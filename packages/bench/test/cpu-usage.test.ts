import { setTimeout as sleep } from 'node:timers/promises';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cpuPerRequest, usPerRequest } from '../src/cpu-meter.ts';
import { clockTicksPerSecond, parseProcStat, processCpuMicros, processTreeCpuMicros } from '../src/cpu-usage.ts';

test('a /proc stat line whose command name holds spaces and ")" is read from the fields after the last ")"', async () => {
  // A real process named "a) b (c": sleep started through a symlink of that name (not node,
  // which renames its main thread, and so the process, "MainThread" as it starts).
  const dir = await mkdtemp(join(tmpdir(), 'proc-stat-'));
  const odd = join(dir, 'a) b (c');
  await symlink('/bin/sleep', odd);
  const child = spawn(odd, ['30'], { stdio: 'ignore' });
  try {
    const pid = child.pid ?? assert.fail('no pid');
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    assert.ok(stat.includes('(a) b (c)'), stat.slice(0, 60));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = parseProcStat(stat);
    assert.equal(ticks.own, Number(fields[11]) + Number(fields[12]));
    assert.equal(ticks.children, Number(fields[13]) + Number(fields[14]));
    assert.ok((processCpuMicros(pid) ?? -1) >= (ticks.own * 1e6) / clockTicksPerSecond(), 'CPU only grows');
  } finally {
    child.kill();
    await rm(dir, { recursive: true, force: true });
  }
  assert.throws(() => parseProcStat('not a stat line'), /not a \/proc\/<pid>\/stat line/);
  assert.equal(processCpuMicros(2 ** 22 + 1), undefined, 'no such pid');
});

test('CPU read from /proc grows while this process burns CPU', () => {
  const before = processCpuMicros('self') ?? assert.fail('/proc/self/stat unreadable');
  const start = process.cpuUsage();
  let sink = 0;
  // Busy until the kernel has charged this process 200 ms more (several ticks).
  while (process.cpuUsage(start).user + process.cpuUsage(start).system < 200_000) sink += Math.sqrt(sink + 1);
  assert.ok(sink > 0);
  const after = processCpuMicros('self') ?? assert.fail('/proc/self/stat unreadable');
  assert.ok(after > before, `${after} > ${before}`);
  assert.equal(clockTicksPerSecond(), clockTicksPerSecond(), 'asked once, then remembered');
  assert.ok(Number.isInteger(clockTicksPerSecond()) && clockTicksPerSecond() > 0);
});

test('CPU a request: the delta over the answers, null where a reading or the answers are missing', () => {
  assert.equal(usPerRequest(1_000, 4_000, 30), 100);
  assert.equal(usPerRequest(undefined, 4_000, 30), null);
  assert.equal(usPerRequest(1_000, 4_000, 0), null);
  assert.deepEqual(cpuPerRequest({ processUs: 0, redisUs: 500 }, { processUs: 3_000, redisUs: 800 }, 10), {
    processUsPerRequest: 300,
    redisUsPerRequest: 30,
  });
  assert.deepEqual(cpuPerRequest({ processUs: 0, redisUs: undefined }, { processUs: 3_000, redisUs: undefined }, 10), {
    processUsPerRequest: 300,
    redisUsPerRequest: null,
  });
});

test("a process tree's CPU is its own and its live descendants' (a node:cluster primary and its workers)", async () => {
  // A shell whose child spins: the shell itself does nothing while it waits. In a process group
  // of its own, so that killing the group ends the spinner too.
  const parent = spawn('/bin/sh', ['-c', 'while :; do :; done & wait'], { stdio: 'ignore', detached: true });
  try {
    const pid = parent.pid ?? assert.fail('no pid');
    let spinner: number | undefined;
    const deadline = Date.now() + 10_000;
    while (spinner === undefined || (processCpuMicros(spinner) ?? 0) === 0) {
      if (Date.now() > deadline) assert.fail('the spinning child never showed up with CPU time');
      const children = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8')).trim();
      spinner = children === '' ? undefined : Number(children.split(' ')[0]);
      await sleep(20);
    }
    // Read in this order, each figure only grows: the tree's is at least the sum of the two before.
    const own = processCpuMicros(pid) ?? assert.fail('parent unreadable');
    const child = processCpuMicros(spinner) ?? assert.fail('child unreadable');
    const tree = processTreeCpuMicros(pid) ?? assert.fail('tree unreadable');
    assert.ok(child > 0);
    assert.ok(tree >= own + child, `${tree} >= ${own} + ${child}`);
  } finally {
    if (parent.pid !== undefined) process.kill(-parent.pid, 'SIGKILL');
  }
  assert.equal(processTreeCpuMicros(2 ** 22 + 1), undefined, 'no such pid');
});
