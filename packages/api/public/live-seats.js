// The event's seat map, live: the API's Server-Sent Events stream (a snapshot, then each
// change). EventSource reconnects by itself and resumes with Last-Event-ID; a snapshot may come
// again at any time (the event was reloaded, or the changes missed are gone) and replaces the
// map. Where the server has no stream for us (a PostgreSQL strategy: 501; too many streams or
// Redis sick for a moment: 503), the map is polled with its ETag instead, and the stream tried
// again: soon at first (a 503 says to retry in seconds; EventSource cannot read its
// Retry-After), then less and less often.
import { seatMapIfChanged } from './api.js';

const POLL_MS = 2_000;
const STREAM_RETRY_FIRST_MS = 2_000;
const STREAM_RETRY_MAX_MS = 30_000;

export class LiveSeats {
  /**
   * onSnapshot({ version, rows, cols, grid }), onChange({ version, seats }),
   * onStatus('connecting' | 'live' | 'reconnecting' | 'polling', text).
   */
  constructor(eventId, { onSnapshot, onChange, onStatus }) {
    this.eventId = eventId;
    this.onSnapshot = onSnapshot;
    this.onChange = onChange;
    this.onStatus = onStatus;
    this.source = undefined;
    this.pollTimer = 0;
    this.retryTimer = 0;
    this.etag = undefined;
    this.stopped = false;
    /** How long after the next refused stream to try again: doubled each time, reset once live. */
    this.streamRetryMs = STREAM_RETRY_FIRST_MS;
  }

  start() {
    this.stopped = false;
    this.#openStream();
  }

  stop() {
    this.stopped = true;
    this.source?.close();
    this.source = undefined;
    clearTimeout(this.pollTimer);
    clearTimeout(this.retryTimer);
  }

  #openStream() {
    if (this.stopped) return;
    this.onStatus('connecting', 'Connecting to the live seat map…');
    const source = new EventSource(`/events/${encodeURIComponent(this.eventId)}/seats/stream`);
    this.source = source;
    source.addEventListener('open', () => {
      clearTimeout(this.pollTimer);
      this.streamRetryMs = STREAM_RETRY_FIRST_MS;
      this.onStatus('live', 'Live: changes appear as they happen.');
    });
    source.addEventListener('snapshot', (message) => this.onSnapshot(JSON.parse(message.data)));
    source.addEventListener('seats', (message) => this.onChange(JSON.parse(message.data)));
    source.addEventListener('error', () => {
      if (this.stopped || this.source !== source) return;
      if (source.readyState === EventSource.CONNECTING) {
        this.onStatus('reconnecting', 'Connection lost: reconnecting…');
        return;
      }
      // Closed for good: the server answered with an error instead of a stream.
      source.close();
      this.source = undefined;
      this.onStatus('polling', 'No live stream here: the map refreshes every few seconds.');
      this.#poll();
      this.retryTimer = setTimeout(() => {
        clearTimeout(this.pollTimer);
        this.#openStream();
      }, this.streamRetryMs);
      this.streamRetryMs = Math.min(this.streamRetryMs * 2, STREAM_RETRY_MAX_MS);
    });
  }

  async #poll() {
    if (this.stopped || this.source !== undefined) return;
    try {
      const fresh = await seatMapIfChanged(this.eventId, this.etag);
      if (fresh !== undefined && !this.stopped) {
        this.etag = fresh.etag;
        this.onSnapshot(fresh.map);
      }
    } catch {
      // The next poll tries again.
    }
    if (!this.stopped && this.source === undefined) this.pollTimer = setTimeout(() => this.#poll(), POLL_MS);
  }
}
