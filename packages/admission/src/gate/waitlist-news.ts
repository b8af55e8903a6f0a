import type { ScriptReply } from './replies.js';

/**
 * What a script did to the waitlist, besides its answer: the store of record must hear it.
 * Every call that frees seats may make offers (the seats go to the waiters first), and every
 * offer confirmed, expired or declined ends its entry.
 */
export type WaitlistNews =
  | {
      readonly kind: 'offer';
      readonly entryId: string;
      readonly holdId: string;
      readonly userId: string;
      /** Epoch ms. */
      readonly expiresAt: number;
      /** 0-based seat indices. */
      readonly seats: readonly number[];
    }
  | {
      readonly kind: 'closed';
      readonly entryId: string;
      /** The offer hold that closed it ('' when the entry closed while waiting). */
      readonly holdId: string;
      /** 'F' fulfilled (its offer confirmed), 'E' expired, 'L' left (or its offer declined). */
      readonly status: 'F' | 'E' | 'L';
    }
  | {
      /** The head was passed over for a later entry: `skips` times now. */
      readonly kind: 'skip';
      readonly entryId: string;
      readonly skips: number;
    };

/** The marker a reply carrying news ends with, before the news as JSON (lua/includes/change-log.lua). */
const NEWS_MARK = '\0news';

/** A reply without its news, and the news (none when the call made none). */
export function splitNews(reply: ScriptReply): { reply: ScriptReply; news: readonly WaitlistNews[] } {
  if (reply.length >= 2 && reply[reply.length - 2] === NEWS_MARK) {
    return { reply: reply.slice(0, -2), news: JSON.parse(String(reply[reply.length - 1])) as WaitlistNews[] };
  }
  return { reply, news: [] };
}
