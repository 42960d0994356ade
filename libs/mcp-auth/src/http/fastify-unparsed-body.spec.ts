import { fastify } from 'fastify';
import type { FastifyInstance } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { leaveMarkedBodiesUnparsed } from './fastify-unparsed-body.js';
import type { FastifyInstanceLike } from './fastify-unparsed-body.js';

/** Reads what is left of a Node request's body. */
async function rest(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

describe('leaveMarkedBodiesUnparsed (a real Fastify instance)', () => {
  let app: FastifyInstance;
  let baseUrl: string;

  /** A POST over loopback (Fastify's inject() cannot load under Jest's module runtime). */
  async function send(path: string, type: string, body: string): Promise<{ status: number; json: any }> {
    const response = await fetch(`${baseUrl}${path}`, { method: 'POST', headers: { 'content-type': type }, body });
    return { status: response.status, json: await response.json() };
  }

  beforeEach(async () => {
    app = fastify({ bodyLimit: 16 });
    leaveMarkedBodiesUnparsed(app as unknown as FastifyInstanceLike);
    leaveMarkedBodiesUnparsed(app as unknown as FastifyInstanceLike); // a second module instance: no second parser
    app.post('/marked', { config: { mcpAuthUnparsedBody: true } }, async (request) => ({
      body: request.body ?? null,
      contentType: request.raw.headers['content-type'],
      unread: await rest(request.raw),
    }));
    app.post('/other', async (request) => ({ body: request.body }));
    baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterEach(() => app.close());

  it.each([
    ['application/json', '{"broken":'],
    ['text/x-unknown', 'anything'],
    ['///', 'not a media type'],
    ['application/json', JSON.stringify({ pad: 'x'.repeat(100) })],
  ])('leaves a marked route body of type %s unread, whatever it holds, and the Node request its real header', async (type, payload) => {
    expect(await send('/marked', type, payload)).toEqual({ status: 200, json: { body: null, contentType: type, unread: payload } });
  });

  it("parses the application's other routes as before: JSON, Fastify's 400, 415 and bodyLimit", async () => {
    expect(await send('/other', 'application/json', '{"a":1}')).toEqual({ status: 200, json: { body: { a: 1 } } });
    expect((await send('/other', 'application/json', '{"a":')).status).toBe(400);
    expect((await send('/other', 'text/x-unknown', 'x')).status).toBe(415);
    expect((await send('/other', 'application/json', JSON.stringify({ pad: 'x'.repeat(100) }))).status).toBe(413);
  });

  it("answers the module's private content type on the application's other routes as any unknown type: 415, body never left unread", async () => {
    const answer = await send('/other', 'application/x-mcp-auth-unparsed', '{"a":1}');
    expect(answer.status).toBe(415);
    expect(answer.json).toMatchObject({ statusCode: 415, code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' });
  });
});
