import { performance } from 'node:perf_hooks';
import type { Gate } from '@seatgrid/admission/gate';
import type { Redis } from 'ioredis';
import { redisCpuSeconds } from './cpu-usage.ts';

/**
 * What the server itself says happened during a measurement, the same way for both sides.
 * Exact whatever else runs on the server: the grants, from the event's own available
 * counter. Server-wide, so exact only while nobody else uses this Redis: INFO commandstats'
 * script calls, the server time they took, and the calls that reached the decision (the
 * claim script asks Redis for TIME once, after validating its input and before deciding).
 * Script calls that are not ours reveal someone else loading the server during the window.
 */
export interface ServerSnapshot {
  readonly scriptCalls: number;
  readonly scriptUsec: number;
  readonly timeCalls: number;
  readonly available: number;
  readonly connectedClients: number;
  /** Redis server CPU seconds (user + sys) so far. */
  readonly redisCpuSec: number;
  /** When the stats were read (performance.now()). */
  readonly atMs: number;
}

export interface ClaimAccounting {
  /** Claims this side sent in the window. */
  readonly calls: number;
  /** Seats granted: the event's available count went down by this much (exact). */
  readonly granted: number;
  /** calls - granted (exact). */
  readonly refused: number;
  readonly grantShare: number;
  readonly refusalShare: number;
  /** Refused before deciding (invalid seat or argument; 0 expected for the library). Server-wide. */
  readonly rejectedBeforeDeciding: number;
  /** Refused after deciding (the seat was taken): refused - rejectedBeforeDeciding. */
  readonly refusedTaken: number;
  /** EVAL + EVALSHA calls the server ran in the window. */
  readonly scriptCalls: number;
  /** Script calls beyond this side's: another client was running scripts on this Redis. */
  readonly foreignScriptCalls: number;
  /** True when foreign script calls make the server-wide figures (split, µs/call, CPU) inexact. */
  readonly disturbed: boolean;
  /** Server CPU time per script call, from commandstats: the work per call the server did. */
  readonly serverUsecPerCall: number;
  /** Seats already taken when the window opened (0: each measurement gets a fresh event). */
  readonly takenAtStart: number;
  /** Connections to Redis other than the bench's own two when the window opened. */
  readonly otherClientsAtStart: number;
  /** Redis CPU over the window, in cores (1.0 = one core busy the whole time). */
  readonly redisCpuCores: number;
}

/** The bench's own connections: the admin client and the claims client. */
const OWN_CONNECTIONS = 2;

/**
 * Opens the window: the counters first (reading them runs a script), then the stats, so the
 * window holds only the claims sent after it.
 */
export async function openWindow(redis: Redis, gate: Gate, eventId: string): Promise<ServerSnapshot> {
  const counters = await gate.counters(eventId);
  return { ...(await commandStats(redis)), available: counters.available };
}

/** Closes the window: the stats first, then the counters, for the same reason. */
export async function closeWindow(redis: Redis, gate: Gate, eventId: string): Promise<ServerSnapshot> {
  const stats = await commandStats(redis);
  const counters = await gate.counters(eventId);
  return { ...stats, available: counters.available };
}

async function commandStats(redis: Redis): Promise<Omit<ServerSnapshot, 'available'>> {
  const stats = await redis.info('commandstats');
  const clients = await redis.info('clients');
  const cpu = await redis.info('cpu');
  const evalsha = commandStat(stats, 'evalsha');
  const evalStat = commandStat(stats, 'eval');
  return {
    scriptCalls: evalsha.calls + evalStat.calls,
    scriptUsec: evalsha.usec + evalStat.usec,
    timeCalls: commandStat(stats, 'time').calls,
    connectedClients: Number(/connected_clients:(\d+)/.exec(clients)?.[1] ?? NaN),
    redisCpuSec: redisCpuSeconds(cpu),
    atMs: performance.now(),
  };
}

export function accountClaims(before: ServerSnapshot, after: ServerSnapshot, ownCalls: number, capacity: number): ClaimAccounting {
  const scriptCalls = after.scriptCalls - before.scriptCalls;
  const decided = after.timeCalls - before.timeCalls;
  const granted = before.available - after.available;
  const refused = ownCalls - granted;
  const rejectedBeforeDeciding = scriptCalls - decided;
  const calls = Math.max(ownCalls, 1);
  const foreignScriptCalls = scriptCalls - ownCalls;
  return {
    calls: ownCalls,
    granted,
    refused,
    grantShare: granted / calls,
    refusalShare: refused / calls,
    rejectedBeforeDeciding,
    refusedTaken: refused - rejectedBeforeDeciding,
    scriptCalls,
    foreignScriptCalls,
    disturbed: foreignScriptCalls !== 0,
    serverUsecPerCall: scriptCalls > 0 ? (after.scriptUsec - before.scriptUsec) / scriptCalls : 0,
    takenAtStart: capacity - before.available,
    otherClientsAtStart: before.connectedClients - OWN_CONNECTIONS,
    redisCpuCores: (after.redisCpuSec - before.redisCpuSec) / ((after.atMs - before.atMs) / 1_000),
  };
}

export function commandStat(info: string, command: string): { calls: number; usec: number } {
  const match = new RegExp(`^cmdstat_${command}:calls=(\\d+),usec=(\\d+)`, 'm').exec(info);
  return { calls: Number(match?.[1] ?? 0), usec: Number(match?.[2] ?? 0) };
}
