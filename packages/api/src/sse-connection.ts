import type { Response } from 'express';

/** One Server-Sent Events message: `id:` the version after it, a named event, one line of JSON. */
export function sseMessage(id: number, event: string, data: string): string {
  return `id: ${id}\nevent: ${event}\ndata: ${data}\n\n`;
}

/** How long EventSource waits before it reconnects (sent once, as `retry:`). */
const RECONNECT_MS = 2_000;

/**
 * One open text/event-stream answer. It never buffers without bound: whatever the client has
 * not taken yet (the response's and its socket's unsent bytes) may exceed `maxBufferBytes` only
 * by the last snapshot it was sent; past that the client is too slow and is dropped (it may
 * reconnect with Last-Event-ID and be caught up from the change stream).
 */
export class SseConnection {
  readonly #res: Response;
  readonly #maxBufferBytes: number;
  readonly #onDrop: () => void;
  #snapshotBytes = 0;
  #done = false;
  /** Messages sent since the last flush, written together. */
  #pending: string[] = [];
  #pendingBytes = 0;
  readonly #requestFlush: (connection: SseConnection) => void;

  /** `requestFlush`: asks for flush() soon (SeatStreams paces the writes of every stream). */
  constructor(res: Response, maxBufferBytes: number, onDrop: () => void, requestFlush: (connection: SseConnection) => void) {
    this.#res = res;
    this.#maxBufferBytes = maxBufferBytes;
    this.#onDrop = onDrop;
    this.#requestFlush = requestFlush;
    res.once('close', () => {
      this.#done = true;
    });
  }

  /** The client went, or was dropped, or the stream was ended. */
  get closed(): boolean {
    return this.#done || this.#res.destroyed;
  }

  /** Sends the headers at once (a client sees the stream open before the first change). */
  open(): void {
    this.#res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
      // A proxy that buffers answers (nginx) would hold the changes back.
      'X-Accel-Buffering': 'no',
    });
    this.#res.flushHeaders();
    this.#write(`retry: ${RECONNECT_MS}\n\n`);
  }

  /**
   * A message, written with the others sent before the next flush: one write for many under
   * load, not one each. False when the client is gone or was just dropped for being too slow.
   */
  send(message: string): boolean {
    if (this.closed) return false;
    if (this.#pending.length === 0) this.#requestFlush(this);
    this.#pending.push(message);
    this.#pendingBytes += message.length;
    if (this.exceeds(0)) {
      this.drop();
      return false;
    }
    return true;
  }

  /** A snapshot: the allowance of unsent bytes grows by its size while it is the latest. */
  sendSnapshot(message: string): boolean {
    this.flush();
    this.#snapshotBytes = Buffer.byteLength(message);
    return this.#write(message);
  }

  /** A comment line: keeps proxies from closing an idle stream, and finds clients long gone. */
  heartbeat(): void {
    this.flush();
    this.#write(': heartbeat\n\n');
  }

  /** Whether `extraBytes` more (held back for it) would put the client past its allowance. */
  exceeds(extraBytes: number): boolean {
    return this.#res.writableLength + this.#pendingBytes + extraBytes > this.#maxBufferBytes + this.#snapshotBytes;
  }

  /** Ends the stream and its connection (shutdown, or a failure the client should reconnect after). */
  end(): void {
    if (this.closed) return;
    this.flush();
    this.#done = true;
    this.#res.end();
    // Not kept alive: a closing server would wait for the idle connection, and EventSource opens a new one anyway.
    this.#res.socket?.end();
  }

  /** Drops the client: the connection is cut, nothing more is buffered for it. */
  drop(): void {
    if (this.closed) return;
    this.#done = true;
    this.#pending = [];
    this.#res.destroy();
    this.#onDrop();
  }

  /** Writes the messages sent since the last flush, in one write. */
  flush(): void {
    if (this.#pending.length === 0) return;
    const chunk = this.#pending.length === 1 ? (this.#pending[0] as string) : this.#pending.join('');
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#write(chunk);
  }

  #write(chunk: string): boolean {
    if (this.closed) return false;
    this.#res.write(chunk);
    if (this.exceeds(0)) {
      this.drop();
      return false;
    }
    return true;
  }
}
