// A Server-Sent Events reader for the API tests: fetch's streamed body, parsed as the
// EventSource processing model reads it (fields per line, a blank line ends a message,
// lines starting with ':' are comments).

export interface SseMessage {
  readonly id: string | undefined;
  readonly event: string;
  readonly data: string;
}

export interface SseStream {
  readonly status: number;
  readonly headers: Headers;
  /** Every message so far, in order. */
  readonly messages: SseMessage[];
  /** Every comment line so far (heartbeats). */
  readonly comments: string[];
  /** Resolves once the server ended the stream (or the connection broke). */
  readonly ended: Promise<void>;
  /** The next message not yet taken by next(), waiting up to timeoutMs for it. */
  next(timeoutMs?: number): Promise<SseMessage>;
  close(): void;
}

/** Opens a stream; a non-2xx answer is returned with no messages (its body unread). */
export async function openStream(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const messages: SseMessage[] = [];
  const comments: string[] = [];
  let taken = 0;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };

  let ended: Promise<void> = Promise.resolve();
  if (response.ok && response.body !== null) {
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    ended = (async () => {
      let buffer = '';
      let id: string | undefined;
      let event = '';
      let data: string[] = [];
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          buffer += value;
          let newline = buffer.indexOf('\n');
          while (newline !== -1) {
            const line = buffer.slice(0, newline).replace(/\r$/, '');
            buffer = buffer.slice(newline + 1);
            newline = buffer.indexOf('\n');
            if (line === '') {
              if (data.length > 0) messages.push({ id, event: event || 'message', data: data.join('\n') });
              event = '';
              data = [];
              notify();
              continue;
            }
            if (line.startsWith(':')) {
              comments.push(line.slice(1).trim());
              notify();
              continue;
            }
            const colon = line.indexOf(':');
            const field = colon === -1 ? line : line.slice(0, colon);
            const text = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'id') id = text;
            else if (field === 'event') event = text;
            else if (field === 'data') data.push(text);
          }
        }
      } catch {
        // Aborted by close(), or the server cut the connection.
      } finally {
        notify();
      }
    })();
  }
  let finished = false;
  void ended.then(() => {
    finished = true;
  });

  return {
    status: response.status,
    headers: response.headers,
    messages,
    comments,
    ended,
    async next(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (taken >= messages.length) {
        if (finished) throw new Error(`the stream ended after ${messages.length} messages`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no message within ${timeoutMs} ms (had ${messages.length})`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, Math.min(left, 100));
        });
      }
      return messages[taken++] as SseMessage;
    },
    close() {
      controller.abort();
    },
  };
}

/** A message's data as JSON. */
export function dataOf<T>(message: SseMessage): T {
  return JSON.parse(message.data) as T;
}
