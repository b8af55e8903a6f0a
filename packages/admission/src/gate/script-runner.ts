import type { Cluster, Redis } from 'ioredis';
import { gateScripts, type ScriptName } from './lua-scripts.js';
import type { ScriptReply } from './replies.js';

/** A standalone client or a cluster client; both run the scripts unchanged. */
export type RedisClient = Redis | Cluster;

export type RunScript = (name: ScriptName, keys: readonly string[], args: readonly (string | number)[]) => Promise<ScriptReply>;

/** EVAL or EVALSHA with the keys and arguments as two lists, which ioredis flattens. */
type Eval = (luaOrSha: string, numberOfKeys: number, keys: readonly string[], args: readonly (string | number)[]) => Promise<ScriptReply>;

/**
 * Runs the scripts by EVALSHA and, on NOSCRIPT (after a restart or SCRIPT FLUSH), by EVAL,
 * which caches the script again. Nothing is defined on the client: it may be the user's own,
 * and ioredis copies every defined command onto each auto-pipeline it builds.
 */
export function scriptRunner(redis: RedisClient): RunScript {
  const evalsha = redis.evalsha.bind(redis) as unknown as Eval;
  const evalLua = redis.eval.bind(redis) as unknown as Eval;
  return (name, keys, args) => {
    const script = gateScripts[name];
    if (keys.length !== script.numberOfKeys) {
      throw new Error(`script ${name} takes ${script.numberOfKeys} keys, got ${keys.length}`);
    }
    // Never spread the lists into the call: a load chunk of 10,000 one-seat holds is 80,000
    // arguments, past V8's limit for one call. Under auto-pipelining that RangeError, thrown
    // while queueing, desynchronises ioredis's callbacks, which then crash the process.
    return evalsha(script.sha, script.numberOfKeys, keys, args).catch((error: unknown) => {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return evalLua(script.lua, script.numberOfKeys, keys, args);
    });
  };
}
