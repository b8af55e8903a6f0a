import { readFileSync } from 'node:fs';

/**
 * CPU seconds, to show who was the bottleneck on a machine where client and server share
 * the cores: this process, its waited-for children (redis-benchmark), and the Redis server.
 */

/** User + system CPU seconds of this Node process. */
export function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

/** Assumed clock ticks a second of /proc (USER_HZ; 100 on Linux). */
const USER_HZ = 100;

/**
 * User + system CPU seconds of this process's terminated children (cutime + cstime of
 * /proc/self/stat); undefined where /proc is not available.
 */
export function childrenCpuSeconds(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Fields after the ")" that ends the command name start at field 3 (state).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cutime = Number(fields[16 - 3]);
    const cstime = Number(fields[17 - 3]);
    if (!Number.isFinite(cutime) || !Number.isFinite(cstime)) return undefined;
    return (cutime + cstime) / USER_HZ;
  } catch {
    return undefined;
  }
}

/** used_cpu_user + used_cpu_sys of the Redis server, from INFO cpu. */
export function redisCpuSeconds(infoCpu: string): number {
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(infoCpu)?.[1] ?? NaN);
  return field('used_cpu_user') + field('used_cpu_sys');
}
