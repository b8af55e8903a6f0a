import type { StoreView } from '@seatgrid/admission/testing';
import { assertPortFree } from '@seatgrid/api/child';
import type { Redis } from 'ioredis';
import { removeEvent } from '../bench-events.ts';
import { createEventOverHttp } from './api-client.ts';
import { ADMIN_TOKEN, startApi } from './api-server.ts';
import { scenarios } from './scenarios.ts';

export interface KeptApiContext {
  readonly store: StoreView;
  readonly redis: Redis;
  readonly env: Record<string, string>;
  readonly keepEvents: boolean;
  readonly progress: (line: string) => void;
}

/**
 * `stress --keep-api [port]`: one admission API child on a fixed port with a fresh
 * flash-sale event, up until this process gets SIGINT or SIGTERM (or the child dies), so a
 * Prometheus can scrape its /metrics while someone drives load at it. Then the child is
 * stopped cleanly and the event removed (unless --keep-events).
 */
export async function keepApiUp(ctx: KeptApiContext, port: number): Promise<void> {
  await assertPortFree(port);
  const api = await startApi(ctx.env, 'admission', {}, { port });
  let eventId: string | undefined;
  try {
    const flashSale = scenarios({ quick: false }).find((s) => s.name === 'flash-sale');
    const rows = flashSale?.rows ?? 10;
    const cols = flashSale?.cols ?? 10;
    eventId = (await createEventOverHttp(api.baseUrl, ADMIN_TOKEN, { name: 'stress flash-sale (kept API)', rows, cols })).eventId;
    process.stdout.write(
      [
        `kept API (admission, pid ${api.pid}) at ${api.baseUrl}, rate limits off, LOG_LEVEL=warn`,
        `  metrics for Prometheus: ${api.baseUrl}/metrics`,
        `  flash-sale event ${eventId} (${rows}x${cols}): curl -s -X POST ${api.baseUrl}/events/${eventId}/bookings ` +
          `-H 'x-user-id: u1' -H 'content-type: application/json' -d '{"quantity":1}'`,
        `  admin token: ${ADMIN_TOKEN}`,
        '  Ctrl-C (SIGINT) or SIGTERM stops it.',
        '',
      ].join('\n'),
    );
    const signal = await new Promise<string>((resolve) => {
      const on = (name: string) => () => resolve(name);
      process.once('SIGINT', on('SIGINT'));
      process.once('SIGTERM', on('SIGTERM'));
      void api.exited.then((code) => resolve(`the API exited by itself (${code})`));
    });
    ctx.progress(`kept API: ${signal}; stopping it`);
  } finally {
    const code = await api.stop();
    ctx.progress(`kept API stopped (exit ${code})`);
    if (!ctx.keepEvents && eventId !== undefined) await removeEvent(ctx.store, ctx.redis, eventId);
  }
}
