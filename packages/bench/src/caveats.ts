import type { LibraryMeasurement } from './library-measurement.ts';
import type { RedisBenchmarkMeasurement } from './redis-benchmark-measurement.ts';
import type { Environment } from './environment.ts';
import type { QuietCheck } from './quiet-check.ts';

/** What a reader should know before trusting the figures of this run. */
export function collectCaveats(
  library: readonly LibraryMeasurement[],
  rb: RedisBenchmarkMeasurement,
  environment: Environment,
  expectedInvalidShare: number,
  quiet: QuietCheck,
): string[] {
  const caveats: string[] = [
    `Client and server share this machine's ${environment.cpus} CPU(s): Node (the library side) costs far more client ` +
      'CPU per call than redis-benchmark (C), and that CPU is taken from the same cores Redis runs on.',
    'The library side keeps N claims outstanding on ONE auto-pipelining connection; redis-benchmark uses 50 ' +
      'connections, one request in flight each (-P 1). The ratio compares the two ways of driving the same script.',
    'redis-benchmark draws rows and cols from 0..max(rows,cols) (its __rand_int__ starts at 0); a 0 is refused by the ' +
      'script before it decides (the "of which invalid" column). The library draws only valid seats.',
    'Each measurement runs on its own fresh, empty event (warm-up and calibration use scratch events); seats fill ' +
      'as it runs, so a side that makes more calls sees a slightly larger share of seats-taken refusals.',
    'Only one redis-benchmark level (-c 50) is measured; both library levels are compared with it.',
  ];
  if (quiet.foreignCommandsPerSec > 0) {
    caveats.push(
      `Redis was not idle before the run: ${Math.round(quiet.foreignCommandsPerSec)} commands/s from ` +
        `${quiet.otherClients} other client(s).`,
    );
  }
  for (const m of library) {
    if (!m.accounting.disturbed && m.accounting.redisCpuCores < 0.8 && m.clientCpuCores < 0.8) {
      caveats.push(
        `library, ${m.inFlight} in flight: neither Redis (${Math.round(100 * m.accounting.redisCpuCores)}% of a core) nor ` +
          `the Node client (${Math.round(100 * m.clientCpuCores)}%) was saturated: that side was bound by waiting ` +
          '(round trips of its single connection), not by CPU.',
      );
    }
    if (m.throughput.errors > 0) {
      caveats.push(`library, ${m.inFlight} in flight: ${m.throughput.errors} claims failed (first: ${m.throughput.firstError}).`);
    }
    if (m.accounting.granted !== m.throughput.granted) {
      caveats.push(
        `library, ${m.inFlight} in flight: the client counted ${m.throughput.granted} grants, the event's counters ${m.accounting.granted}.`,
      );
    }
  }
  const invalidShare = rb.accounting.rejectedBeforeDeciding / Math.max(rb.run.requests, 1);
  if (!rb.accounting.disturbed && invalidShare > 2 * expectedInvalidShare + 0.002) {
    caveats.push(
      `redis-benchmark: ${(100 * invalidShare).toFixed(2)}% of its calls were refused before deciding, against ` +
        `${(100 * expectedInvalidShare).toFixed(2)}% expected from 0 rows/cols: something else (reused hold ids?) skews its mix.`,
    );
  }
  const sides = [
    ...library.map((m) => ({ name: `library, ${m.inFlight} in flight`, accounting: m.accounting })),
    { name: 'redis-benchmark', accounting: rb.accounting },
  ];
  for (const { name, accounting } of sides) {
    if (accounting.otherClientsAtStart > 0) {
      caveats.push(`${name}: ${accounting.otherClientsAtStart} other client(s) were connected to this Redis when the window opened.`);
    }
    if (accounting.foreignScriptCalls !== 0) {
      caveats.push(
        `${name}: the server ran ${accounting.foreignScriptCalls} script calls that were not this measurement's: ` +
          'another client was using this Redis, so the rates may be disturbed and the server-wide figures ' +
          '(invalid share, µs/call, Redis CPU) are inexact. Re-run on a quiet server.',
      );
    }
  }
  return caveats;
}
