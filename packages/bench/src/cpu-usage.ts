import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time, to show who was the bottleneck on a machine where client and server share the
 * cores: this process, its waited-for children (redis-benchmark), another process by pid
 * (the API child), and the Redis server.
 */

/** User + system CPU seconds of this Node process. */
export function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

let ticksPerSecond: number | undefined;

/** Clock ticks a second of /proc's times (USER_HZ), from `getconf CLK_TCK`; 100 if that fails. */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    let answer = NaN;
    try {
      answer = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    } catch {
      // No getconf: Linux's USER_HZ is 100 on every common architecture.
    }
    ticksPerSecond = Number.isInteger(answer) && answer > 0 ? answer : 100;
  }
  return ticksPerSecond;
}

/** The CPU clock ticks of one /proc/<pid>/stat line: utime + stime, and cutime + cstime (waited-for children). */
export interface ProcStatTicks {
  readonly own: number;
  readonly children: number;
}

export function parseProcStat(stat: string): ProcStatTicks {
  // The command name (field 2) is in parentheses and may hold spaces or ")": fields after
  // the last ")" start at field 3 (state); utime, stime, cutime, cstime are fields 14-17.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const field = (n: number) => Number(fields[n - 3]);
  const [utime, stime, cutime, cstime] = [field(14), field(15), field(16), field(17)];
  if (![utime, stime, cutime, cstime].every(Number.isFinite)) throw new Error(`not a /proc/<pid>/stat line: ${stat.slice(0, 80)}`);
  return { own: utime + stime, children: cutime + cstime };
}

/**
 * CPU µs of a live process: the time its threads ran, in ns, from /proc/<pid>/task/<tid>/schedstat
 * where the kernel keeps it, else user + system from /proc/<pid>/stat in clock ticks (10 ms: too
 * coarse for a burst of a few hundred ms). Undefined where neither can be read.
 */
export function processCpuMicros(pid: number | 'self'): number | undefined {
  return scheduledMicros(pid) ?? tickedMicros(pid);
}

/** Whether processCpuMicros reads schedstat (ns) here, rather than clock ticks. */
export function cpuReadInNanoseconds(): boolean {
  return scheduledMicros('self') !== undefined;
}

function scheduledMicros(pid: number | 'self'): number | undefined {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  let ns = 0;
  for (const tid of tids) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch (error) {
      // A thread that exited since the listing takes its share with it; no schedstat at all: ticks.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && tid !== String(pid)) continue;
      return undefined;
    }
  }
  return Number.isFinite(ns) ? ns / 1e3 : undefined;
}

function tickedMicros(pid: number | 'self'): number | undefined {
  try {
    return (parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8')).own * 1e6) / clockTicksPerSecond();
  } catch {
    return undefined;
  }
}

/**
 * User + system CPU µs of a live process and of its live descendants (the workers of a
 * node:cluster primary), from /proc; undefined where the process itself cannot be read. A
 * descendant that exits between readings takes its share with it.
 */
export function processTreeCpuMicros(pid: number): number | undefined {
  const own = processCpuMicros(pid);
  if (own === undefined) return undefined;
  return childPids(pid).reduce((sum, child) => sum + (processTreeCpuMicros(child) ?? 0), own);
}

/** The children of every thread of `pid` (/proc/<pid>/task/<tid>/children); none where unreadable. */
function childPids(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8')
        .split(' ')
        .filter((word) => word.trim() !== '')
        .map(Number),
    );
  } catch {
    return [];
  }
}

/** User + system CPU seconds of this process's terminated children; undefined where /proc is not available. */
export function childrenCpuSeconds(): number | undefined {
  try {
    return parseProcStat(readFileSync('/proc/self/stat', 'utf8')).children / clockTicksPerSecond();
  } catch {
    return undefined;
  }
}

/** used_cpu_user + used_cpu_sys of the Redis server, from INFO cpu. */
export function redisCpuSeconds(infoCpu: string): number {
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(infoCpu)?.[1] ?? NaN);
  return field('used_cpu_user') + field('used_cpu_sys');
}
