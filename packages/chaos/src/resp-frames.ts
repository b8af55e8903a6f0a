/**
 * Finds where Redis protocol frames end in a byte stream (RESP2 and RESP3; ioredis 6 speaks
 * RESP3), so the fault proxy can pair the n-th command on a connection with the n-th reply
 * and cut exactly the reply of the command it was told to. It only frames, never decodes
 * beyond the first few strings of a command.
 */
export class RespFrameReader {
  #buffer: Buffer = Buffer.alloc(0);
  /** Bytes of this stream consumed by complete frames so far. */
  #consumed = 0;

  /**
   * Feeds the next chunk; returns each complete frame that ends in it, as the stream offset
   * just past its end and (for a command) its first strings, e.g. ['EVALSHA', '<sha>', '7'].
   */
  push(chunk: Buffer): { end: number; words: string[] }[] {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const frames: { end: number; words: string[] }[] = [];
    for (;;) {
      const words: string[] = [];
      const end = frameEnd(this.#buffer, 0, words);
      if (end < 0) break;
      this.#consumed += end;
      frames.push({ end: this.#consumed, words });
      this.#buffer = this.#buffer.subarray(end);
    }
    return frames;
  }
}

const CRLF = Buffer.from('\r\n');
/** Words of a command kept for matching: the name, a script sha, the key count. */
const WORDS_KEPT = 3;

function lineEnd(buffer: Buffer, offset: number): number {
  const at = buffer.indexOf(CRLF, offset);
  return at < 0 ? -1 : at;
}

/** Offset just past the frame starting at `offset`, or -1 when it is not complete yet. */
function frameEnd(buffer: Buffer, offset: number, words: string[]): number {
  if (offset >= buffer.length) return -1;
  const type = String.fromCharCode(buffer[offset] as number);
  const eol = lineEnd(buffer, offset + 1);
  if (eol < 0) return -1;
  const header = buffer.toString('latin1', offset + 1, eol);
  switch (type) {
    case '+':
    case '-':
    case ':':
    case '_':
    case ',':
    case '#':
    case '(':
      return eol + 2;
    case '$':
    case '!':
    case '=': {
      const length = Number(header);
      if (length < 0) return eol + 2; // RESP2 null bulk string
      const end = eol + 2 + length + 2;
      if (end > buffer.length) return -1;
      if (words.length < WORDS_KEPT && type === '$') words.push(buffer.toString('latin1', eol + 2, eol + 2 + Math.min(length, 64)));
      return end;
    }
    case '*':
    case '~':
    case '>':
    case '%':
    case '|': {
      const count = Number(header) * (type === '%' || type === '|' ? 2 : 1);
      let at = eol + 2;
      for (let i = 0; i < count; i++) {
        at = frameEnd(buffer, at, words);
        if (at < 0) return -1;
      }
      return at;
    }
    default:
      throw new Error(`not a RESP frame: type byte ${JSON.stringify(type)}`);
  }
}
