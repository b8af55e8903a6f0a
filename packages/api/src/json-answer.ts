import type { Response } from 'express';

/**
 * Writes a JSON answer in one go, without Express's res.json/res.send: they hash every body for
 * a weak ETag and check freshness, which answers to POSTs and problems never use, and that
 * was a measurable share of a refusal's CPU. Routes whose GET answers want an ETag set their own.
 */
export function sendJson(res: Response, status: number, body: unknown, type = 'application/json'): void {
  res.statusCode = status;
  res.setHeader('Content-Type', `${type}; charset=utf-8`);
  res.end(JSON.stringify(body));
}
