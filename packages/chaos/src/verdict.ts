import type { ScenarioAudit, Window } from './audit.ts';
import type { RequestRecord } from './burst.ts';

/** The verdict on an audit: the known issues set aside, then each broken invariant listed. */

/** One request, for a finding: who, what, when (relative to the fault's start), and the answer. */
export function describeRequest(record: RequestRecord, fault: Window): string {
  const seats = record.takenSeats?.map((seat) => `${seat.row}:${seat.col}`).join(' ') ?? '';
  const at = record.sentAt - fault.from;
  const detail = record.problemDetail === undefined ? '' : `(${record.problemDetail})`;
  return `${record.kind} by ${record.buyer} at ${at >= 0 ? '+' : ''}${at} ms: ${record.outcome} ${record.problem ?? ''} ${detail} ${seats}`
    .replace(/ +/g, ' ')
    .trim();
}

/**
 * A failure a fault is known to cause, set aside from the verdict (and reported) until its
 * owner fixes it, or because it is the very risk the fault demonstrates.
 */
export interface KnownIssue {
  readonly reason: string;
  /** The false conflicts, wrong answers and unanswered requests it accounts for (`notes`: what the fault noted). */
  readonly covers: (record: RequestRecord, fault: Window, notes: Readonly<Record<string, number | string | boolean>>) => boolean;
}

/** The audit without what the known issues account for, and a line for each issue that did. */
export function setAsideKnownIssues(
  audit: ScenarioAudit,
  known: readonly KnownIssue[],
  fault: Window,
  notes: Readonly<Record<string, number | string | boolean>>,
): { audit: ScenarioAudit; tolerated: string[] } {
  const tolerated: string[] = [];
  const covered = (issue: KnownIssue) => (record: RequestRecord) => issue.covers(record, fault, notes);
  const keep = (records: readonly RequestRecord[]) => records.filter((record) => !known.some((issue) => covered(issue)(record)));
  for (const issue of known) {
    const hits = [...audit.conflicts.unjustified, ...audit.wrongAnswers, ...audit.unanswered].filter(covered(issue));
    if (hits.length > 0) tolerated.push(`${hits.length} known: ${issue.reason} (e.g. ${describeRequest(hits[0] as RequestRecord, fault)})`);
  }
  return {
    audit: {
      ...audit,
      conflicts: { ...audit.conflicts, unjustified: keep(audit.conflicts.unjustified) },
      wrongAnswers: keep(audit.wrongAnswers),
      unanswered: keep(audit.unanswered),
    },
    tolerated,
  };
}

/** Lists each broken invariant, empty when the scenario passed. */
export function violations(audit: ScenarioAudit, fault: Window): string[] {
  const found: string[] = [];
  const must = (count: number, what: string) => {
    if (count > 0) found.push(`${count} ${what}`);
  };
  must(audit.oversold, 'oversold seats');
  must(audit.doubleBooked, 'double-booked seats');
  must(audit.partial, 'partial claims');
  must(audit.staleRows, 'rows with stale free-seat bits');
  must(audit.leaked, 'leaked seats (taken in Redis, free in PostgreSQL)');
  must(audit.missing, 'seats taken in PostgreSQL but free in Redis');
  if (audit.settledMs === null) found.push('Redis never matched PostgreSQL within the deadline');
  must(audit.lostAcks.length, `acknowledgements PostgreSQL does not back: ${audit.lostAcks.slice(0, 3).join('; ')}`);
  must(audit.phantoms, 'holds of buyers who were told no');
  must(audit.duplicateClaims, 'buyers holding twice');
  const some = (records: readonly RequestRecord[]) =>
    records
      .slice(0, 3)
      .map((r) => describeRequest(r, fault))
      .join('; ');
  must(audit.conflicts.unjustified.length, `unjustified 409s: ${some(audit.conflicts.unjustified)}`);
  must(audit.falseExpiries, 'confirms refused as expired before the expiry');
  must(audit.unanswered.length, `requests never answered: ${some(audit.unanswered)}`);
  must(audit.missingRetryAfter, '503s without Retry-After');
  must(audit.wrongAnswers.length, `wrong answers: ${some(audit.wrongAnswers)}`);
  return found;
}
