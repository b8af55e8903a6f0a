import { readdirSync, readFileSync } from 'node:fs';
import { waitFor } from '@seatgrid/api/child';

/** A process as /proc shows it: its pid and start time together name it (a pid alone may be reused). */
export interface ProcessRef {
  readonly pid: number;
  readonly startTime: string;
}

/** The fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses); undefined: gone or a zombie. */
function statOf(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' ? undefined : fields;
  } catch {
    return undefined;
  }
}

/** The living child processes of `pid` (an API primary's: its workers), lowest pid first. */
export function childProcesses(pid: number): ProcessRef[] {
  const children: ProcessRef[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const fields = statOf(Number(name));
    // After the name: state, ppid, ... starttime is the 20th.
    if (fields !== undefined && Number(fields[1]) === pid) children.push({ pid: Number(name), startTime: fields[19] as string });
  }
  return children.sort((a, b) => a.pid - b.pid);
}

/** Still running, and still the same process (not its pid reused). */
export function isAlive(ref: ProcessRef): boolean {
  return statOf(ref.pid)?.[19] === ref.startTime;
}

/** Waits up to `graceMs` for the processes to exit, then SIGKILLs those still running and waits for them. */
export async function waitForExit(refs: readonly ProcessRef[], graceMs: number): Promise<void> {
  const gone = () => refs.every((ref) => !isAlive(ref));
  if (
    await waitFor('processes to exit', gone, graceMs, 50).then(
      () => true,
      () => false,
    )
  )
    return;
  for (const ref of refs.filter(isAlive)) process.kill(ref.pid, 'SIGKILL');
  await waitFor(`processes ${refs.map((ref) => ref.pid).join(', ')} to die`, gone, 5_000, 50);
}
