import type { Cluster, Redis } from 'ioredis';
import { gateScripts, type ScriptName } from './lua-scripts.js';
import type { ScriptReply } from './replies.js';

/** A standalone client or a cluster client; both run the scripts unchanged. */
export type RedisClient = Redis | Cluster;

export type RunScript = (name: ScriptName, keys: readonly string[], args: readonly (string | number)[]) => Promise<ScriptReply>;

type ScriptCommand = (keys: readonly string[], args: readonly (string | number)[]) => Promise<ScriptReply>;

/**
 * Registers every script on the client with defineCommand: ioredis sends EVALSHA, falls back
 * to EVAL on NOSCRIPT (after a restart or SCRIPT FLUSH), and pipelines them like any command.
 */
export function registerScripts(redis: RedisClient): RunScript {
  const commands = redis as unknown as Record<string, ScriptCommand | undefined>;
  for (const script of Object.values(gateScripts)) {
    if (typeof commands[script.command] !== 'function') {
      redis.defineCommand(script.command, { numberOfKeys: script.numberOfKeys, lua: script.lua });
    }
  }
  return (name, keys, args) => {
    const script = gateScripts[name];
    if (keys.length !== script.numberOfKeys) {
      throw new Error(`script ${name} takes ${script.numberOfKeys} keys, got ${keys.length}`);
    }
    // The lists as two arguments (ioredis flattens them), never spread into the call: a load
    // chunk of 10,000 one-seat holds is 80,000 arguments, past V8's limit for one call. Under
    // auto-pipelining that RangeError, thrown while queueing, desynchronises ioredis's
    // callbacks, which then crash the process.
    return (commands[script.command] as ScriptCommand).call(redis, keys, args);
  };
}
