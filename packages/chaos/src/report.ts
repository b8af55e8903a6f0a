import type { ScenarioResult } from './run-scenario.ts';

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const percent = (share: number) => `${(share * 100).toFixed(1)}%`;

/** The audit of every scenario: one row each, the invariants' counts (all must be 0). */
export function auditTable(results: readonly ScenarioResult[]): string {
  return table(
    [
      '#',
      'fault',
      'requests',
      '2xx',
      '409',
      '503',
      'other',
      'no answer',
      'oversold',
      'leaked',
      'partial',
      'lost acks',
      'false 409',
      'settle ms',
      'result',
    ],
    results.map((r, i) => [
      String(i + 1),
      r.fault,
      String(r.overall.requests),
      String(r.overall.ok),
      String(r.overall.conflicts),
      String(r.overall.unavailable),
      String(r.overall.other),
      String(r.audit.unanswered.length),
      String(r.audit.oversold),
      String(r.audit.leaked + r.audit.missing),
      String(r.audit.partial),
      String(r.audit.lostAcks.length + r.audit.phantoms + r.audit.duplicateClaims),
      String(r.audit.conflicts.unjustified.length),
      r.audit.settledMs === null ? 'never' : String(r.audit.settledMs),
      r.violations.length > 0 ? 'FAIL' : r.tolerated.length > 0 ? 'ok, known' : 'ok',
    ]),
  );
}

/** What the system did while each fault was on (the requests sent in that window), and over the whole burst ("all"). */
export function faultTable(results: readonly ScenarioResult[]): string {
  return table(
    ['#', 'fault', 'for ms', 'requests', 'errors', '503', 'timeouts', 'p50 ms', 'p99 ms', 'p50 all', 'p99 all'],
    results.map((r, i) => [
      String(i + 1),
      r.fault,
      String(r.window.to - r.window.from),
      String(r.during.requests),
      percent(r.during.errorRate),
      String(r.during.unavailable),
      String(r.during.timeouts),
      String(r.during.p50Ms),
      String(r.during.p99Ms),
      String(r.overall.p50Ms),
      String(r.overall.p99Ms),
    ]),
  );
}

/** Each failed scenario's findings, and the facts each fault noted. */
export function findings(results: readonly ScenarioResult[]): string {
  return results
    .map((r, i) => {
      const notes = Object.entries(r.notes)
        .map(([key, value]) => `${key}=${String(value)}`)
        .join(' ');
      const lines = [`${i + 1}. ${r.fault} (seed ${r.seed})${notes === '' ? '' : `: ${notes}`}`];
      const { byGhost, imprecise } = r.audit.conflicts;
      if (byGhost > 0) lines.push(`   · ${byGhost} 409s explained only by claims in flight (won in Redis, not in PostgreSQL)`);
      if (imprecise > 0) lines.push(`   · ${imprecise} seats-taken answers also listed seats nobody held`);
      for (const violation of r.violations) lines.push(`   - ${violation}`);
      for (const known of r.tolerated) lines.push(`   ~ ${known}`);
      return lines.join('\n');
    })
    .join('\n');
}
