import type { EventCounters } from '@seatgrid/admission';
import type { Request } from 'express';

/**
 * The strong ETag of a seat map, from its counters alone, so a revalidation costs a counters
 * read and never the map. The version names the map; the generation tells Redis's versions
 * from PostgreSQL's (0) when the admission strategy reads through its fallback; `available`
 * covers PostgreSQL's one change without a new version: a hold lapsing (it only grows then).
 */
export function seatMapEtag(counters: Pick<EventCounters, 'generation' | 'version' | 'available'>): string {
  return `"${counters.generation}.${counters.version}.${counters.available}"`;
}

/** Whether If-None-Match names this ETag (weak comparison, as RFC 9110 wants for it), or is `*`. */
export function ifNoneMatchHits(req: Request, etag: string): boolean {
  const header = req.headers['if-none-match'];
  if (header === undefined || header === '') return false;
  return header.split(',').some((raw) => {
    const tag = raw.trim();
    return tag === '*' || (tag.startsWith('W/') ? tag.slice(2) : tag) === etag;
  });
}

/** Answers the map must be revalidated on each use: a client may keep it, never trust it unasked. */
export const SEAT_MAP_CACHE_CONTROL = 'no-cache';
