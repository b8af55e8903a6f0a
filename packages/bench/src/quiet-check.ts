import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';

/** How busy the server was before the run, from other clients: a noisy neighbour skews every figure. */
export interface QuietCheck {
  readonly sampleMs: number;
  /** Commands other clients ran per second during the sample (script-internal commands included). */
  readonly foreignCommandsPerSec: number;
  readonly otherClients: number;
}

const OWN_CONNECTIONS = 2;

export async function checkQuiet(redis: Redis, sampleMs = 500): Promise<QuietCheck> {
  const processed = async () => Number(/total_commands_processed:(\d+)/.exec(await redis.info('stats'))?.[1] ?? NaN);
  const before = await processed();
  await sleep(sampleMs);
  const after = await processed();
  const clients = Number(/connected_clients:(\d+)/.exec(await redis.info('clients'))?.[1] ?? NaN);
  // The first INFO itself is counted after its reply: one command of ours in the delta.
  const foreign = Math.max(0, after - before - 1);
  return { sampleMs, foreignCommandsPerSec: foreign / (sampleMs / 1_000), otherClients: clients - OWN_CONNECTIONS };
}
