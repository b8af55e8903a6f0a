// Request size limits: a body over BODY_LIMIT_BYTES is 413 payload-too-large and changes
// nothing, however it arrives: with Content-Length, chunked without one, or gzip-compressed
// small enough to fit but inflating past the limit (a zip bomb). A body at the limit is fine.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { ADMIN_TOKEN, startApi, type RunningApi } from './harness.ts';
import { assertProblem, expectProblem, seatMap, user, type ReadAnswer } from './http-assertions.ts';

const LIMIT = 1_024;

/** POSTs `chunks`, one write each: with Transfer-Encoding: chunked unless `headers` has a Content-Length. */
async function postChunked(api: RunningApi, path: string, headers: Record<string, string>, chunks: readonly Buffer[]): Promise<ReadAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${api.baseUrl}${path}`,
      { method: 'POST', headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'] ?? '', text }));
      },
    );
    // The server may answer 413 and close before every chunk is written.
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

/** `{"quantity":1}` padded with white space to exactly `bytes` bytes: valid JSON, valid claim. */
const paddedClaim = (bytes: number) => `{"quantity":1${' '.repeat(bytes - '{"quantity":1}'.length)}}`;

describe(`body limits (BODY_LIMIT_BYTES=${LIMIT})`, () => {
  let api: RunningApi;

  before(async () => {
    api = await startApi('admission', { BODY_LIMIT_BYTES: String(LIMIT) });
  });

  test('a body of exactly the limit is served; one byte more is 413 and claims nothing', async () => {
    const event = await api.createEvent({ name: 'Limit', rows: 1, cols: 2 });
    const path = `/events/${event.id}/holds`;
    assert.equal(Buffer.byteLength(paddedClaim(LIMIT)), LIMIT);
    const fits = await api.request('POST', path, { body: paddedClaim(LIMIT), headers: user('fits') });
    assert.equal(fits.status, 201, await fits.text());
    await expectProblem(await api.request('POST', path, { body: paddedClaim(LIMIT + 1), headers: user('over') }), 'payload-too-large');
    await expectProblem(
      await api.request('POST', '/events', {
        body: `{"name":"x","rows":1,"cols":1${' '.repeat(LIMIT)}}`,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      }),
      'payload-too-large',
    );
    assert.deepEqual((await seatMap(api, event.id)).grid, ['H.']);
  });

  test('a chunked body with no Content-Length is cut off at the limit: 413', async () => {
    const event = await api.createEvent({ name: 'Chunked', rows: 1, cols: 2 });
    const body = Buffer.from(paddedClaim(64 * LIMIT));
    const chunks = Array.from({ length: 64 }, (_, i) => body.subarray(i * LIMIT, (i + 1) * LIMIT));
    assertProblem(await postChunked(api, `/events/${event.id}/holds`, user('chunky'), chunks), 'payload-too-large');
    const small = await postChunked(api, `/events/${event.id}/holds`, user('small'), [Buffer.from('{"quan'), Buffer.from('tity":1}')]);
    assert.equal(small.status, 201, small.text);
    assert.deepEqual((await seatMap(api, event.id)).grid[0]?.replaceAll('.', ''), 'H');
  });

  test('a plain JSON body is read as express.json reads it: in pieces, with a BOM, with a charset', async () => {
    const event = await api.createEvent({ name: 'Plain', rows: 1, cols: 3 });
    const path = `/events/${event.id}/holds`;
    const claim = Buffer.from('{"quantity":1}');
    const sized = (who: string, body: Buffer, type = 'application/json') => ({
      ...user(who),
      'content-type': type,
      'content-length': String(body.length),
    });
    const pieces = await postChunked(api, path, sized('pieces', claim), [claim.subarray(0, 5), claim.subarray(5)]);
    assert.equal(pieces.status, 201, pieces.text);
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), claim]);
    const bom = await postChunked(api, path, sized('bom', withBom), [withBom]);
    assert.equal(bom.status, 201, bom.text);
    const charset = await postChunked(api, path, sized('charset', claim, 'application/json; charset=UTF-8'), [claim]);
    assert.equal(charset.status, 201, charset.text);
    const scalar = Buffer.from('"a claim"');
    assertProblem(await postChunked(api, path, sized('scalar', scalar), [scalar]), 'invalid-input');
    assert.deepEqual((await seatMap(api, event.id)).grid, ['HHH']);
  });

  test('a gzip body that inflates past the limit (a zip bomb) is 413; within the limit it is served', async () => {
    const event = await api.createEvent({ name: 'Gzip', rows: 1, cols: 2 });
    const bomb = gzipSync(paddedClaim(1_000_000));
    assert.ok(bomb.length < LIMIT, `the compressed body (${bomb.length} bytes) fits the limit`);
    const path = `/events/${event.id}/holds`;
    const postGzip = (body: Buffer, who: Record<string, string>) =>
      fetch(`${api.baseUrl}${path}`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', ...who },
      });
    await expectProblem(await postGzip(bomb, user('bomb')), 'payload-too-large');
    const fine = await postGzip(gzipSync('{"quantity":1}'), user('zipped'));
    assert.equal(fine.status, 201, await fine.text());
    assert.deepEqual((await seatMap(api, event.id)).grid[0]?.replaceAll('.', ''), 'H');
  });
});
