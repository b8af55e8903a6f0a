import { spawn, type ChildProcess } from 'node:child_process';

/** Children still running when this process exits are killed, so a crashed run leaves no server behind. */
const living = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of living) child.kill('SIGKILL');
});

/** Spawns a server this process owns: it is SIGKILLed if still running when this process exits. */
export function spawnOwned(command: string, args: readonly string[]): ChildProcess {
  const child = spawn(command, args, { stdio: 'ignore' });
  living.add(child);
  child.once('exit', () => living.delete(child));
  return child;
}

/** SIGKILL, and resolves once the process has exited. */
export async function killOwned(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}
