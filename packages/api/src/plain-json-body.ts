import type { Request } from 'express';
import { invalid } from './http-problem.ts';

const PLAIN_JSON = /^application\/json(?:\s*;\s*charset="?utf-8"?)?$/i;
/** What express.json's strict mode accepts first: an object or an array. */
const STRICT_START = /^[\x20\x09\x0a\x0d]*[{[]/;

/**
 * A claim's body read in one pass, for the body nearly every claim sends: UTF-8 JSON with a
 * Content-Length within `limitBytes`, not compressed. Undefined for any other body (none,
 * chunked, compressed, too large, another type or charset): express.json reads those and
 * answers them as it does on every route. What is read here is answered as express.json
 * would (strict JSON, a leading BOM dropped); it skips that parser's type, charset and
 * encoding machinery, a measurable share of a claim's CPU.
 */
export function readPlainJson(req: Request, limitBytes: number): Promise<unknown> | undefined {
  const { headers } = req;
  const length = headers['content-length'];
  if (headers['transfer-encoding'] !== undefined || headers['content-encoding'] !== undefined || length === undefined) return undefined;
  const expected = Number(length);
  if (!Number.isInteger(expected) || expected <= 0 || expected > limitBytes) return undefined;
  const type = headers['content-type'];
  if (type === undefined || !PLAIN_JSON.test(type)) return undefined;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const unreadable = () => reject(invalid('body', 'the request could not be read'));
    req.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
    });
    req.once('error', unreadable);
    req.once('aborted', unreadable);
    req.once('end', () => {
      if (received !== expected) return unreadable();
      let text = (chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, received)).toString('utf8');
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      const notJson = () => reject(invalid('body', 'the body is not valid JSON'));
      if (!STRICT_START.test(text)) return notJson();
      try {
        resolve(JSON.parse(text));
      } catch {
        notJson();
      }
    });
  });
}
