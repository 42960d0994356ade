import { InMemoryServerEventBus, UriTemplate } from '@modelcontextprotocol/server';
import type { ServerEvent } from '@modelcontextprotocol/server';
import type { McpPrincipal } from '../authentication/principal.js';
import { resolveScopeHierarchy } from '../authorization/scope-hierarchy.js';
import { ScopePolicy } from '../authorization/scope-policy.js';
import type { ToolCatalogue } from '../tools/tool-catalogue.js';
import { LimitExceededException } from '../limits/limit-exceeded.exception.js';
import { ListenStreams } from './listen-streams.js';

/** Just what ListenStreams asks the catalogue: which resource a URI names and its requirements. */
const catalogue = {
  resource(uri: string) {
    if (uri === 'products://catalog') return { resource: { requirements: [{ allOf: ['User.Read'] }] }, variables: {} };
    const variables = new UriTemplate('products://items/{id}').match(uri);
    return variables ? { resource: { requirements: [{ allOf: ['Items.Read'] }] }, variables } : undefined;
  },
} as unknown as ToolCatalogue;

function principal(scopes: string[], expiresInSeconds = 300): McpPrincipal {
  return { sub: 's', id: 's', issuer: 'i', scopes, claims: {}, expiresAt: Math.floor(Date.now() / 1000) + expiresInSeconds };
}

const updated = (uri: string): ServerEvent => ({ kind: 'resource_updated', uri });

describe('ListenStreams: what a subscriptions/listen listener hears', () => {
  const policy = new ScopePolicy({ scopeHierarchy: resolveScopeHierarchy({ 'Admin.Write': ['User.Read'] }) });
  let bus: InMemoryServerEventBus;
  let streams: ListenStreams;
  beforeEach(() => {
    bus = new InMemoryServerEventBus();
    streams = new ListenStreams({ maxListenStreams: 4, maxListenStreamsPerSubject: 2, revalidateUserMs: 60_000 }, bus, catalogue, policy);
  });

  /** Subscribes the way the SDK does: inside the handling of the listen request that open() runs. */
  async function listenerOf(who: McpPrincipal): Promise<ServerEvent[]> {
    const heard: ServerEvent[] = [];
    await streams.open(who, streams.reserve(who), async () => {
      await Promise.resolve();
      streams.subscribe((event) => heard.push(event));
      return new Response(null, { status: 204 });
    });
    return heard;
  }

  it('updates of a resource reach the listeners whose scopes may read it (the hierarchy included), and no other', async () => {
    const reader = await listenerOf(principal(['User.Read']));
    const admin = await listenerOf(principal(['Admin.Write']));
    const other = await listenerOf(principal(['Items.Read']));
    bus.publish(updated('products://catalog'));
    bus.publish(updated('products://items/7'));
    expect(reader).toEqual([updated('products://catalog')]);
    expect(admin).toEqual([updated('products://catalog')]);
    expect(other).toEqual([updated('products://items/7')]);
  });

  it('never passes on the update of a URI the catalogue does not have', async () => {
    const reader = await listenerOf(principal(['User.Read', 'Items.Read']));
    bus.publish(updated('secret://elsewhere'));
    expect(reader).toEqual([]);
  });

  it('passes on list changes to every listener: the lists themselves are filtered per caller', async () => {
    const nobody = await listenerOf(principal([]));
    bus.publish({ kind: 'tools_list_changed' });
    bus.publish({ kind: 'resources_list_changed' });
    expect(nobody.map((event) => event.kind)).toEqual(['tools_list_changed', 'resources_list_changed']);
  });

  it('passes on no update once the token has expired', async () => {
    const expired = await listenerOf(principal(['User.Read'], -1));
    bus.publish(updated('products://catalog'));
    expect(expired).toEqual([]);
  });

  it('a listener subscribed outside a listen request (no principal known) hears of no resource', () => {
    const heard: ServerEvent[] = [];
    streams.subscribe((event) => heard.push(event));
    bus.publish(updated('products://catalog'));
    bus.publish({ kind: 'prompts_list_changed' });
    expect(heard).toEqual([{ kind: 'prompts_list_changed' }]);
  });

  it('ends the event stream of a listen response when the token expires, cancelling the SDK stream under it', async () => {
    let cancelled = false;
    const endless = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('event: message\ndata: {}\n\n'));
      },
      cancel() {
        cancelled = true;
      },
    });
    const sse = new Response(endless, { headers: { 'content-type': 'text/event-stream' } });
    const expiresSoon = { ...principal(['User.Read']), expiresAt: Date.now() / 1000 + 0.2 };
    const started = Date.now();
    const response = await streams.open(expiresSoon, streams.reserve(expiresSoon), async () => sse);
    expect(await response.text()).toBe('event: message\ndata: {}\n\n');
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(cancelled).toBe(true);
  });

  it('ends the stream once validateUser, asked again every revalidateUserMs, no longer knows the user; gives its place back', async () => {
    const known = new Set(['s']);
    const checked = new ListenStreams(
      { maxListenStreams: 4, maxListenStreamsPerSubject: 1, revalidateUserMs: 20, validateUser: (who) => known.has(who.sub) },
      bus,
      catalogue,
      policy,
    );
    let cancelled = false;
    const endless = new ReadableStream<Uint8Array>({
      pull() {},
      cancel() {
        cancelled = true;
      },
    });
    const who = principal(['User.Read']);
    const response = await checked.open(
      who,
      checked.reserve(who),
      async () => new Response(endless, { headers: { 'content-type': 'text/event-stream' } }),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(cancelled).toBe(false); // still known: still open
    known.delete('s');
    const reader = response.body!.getReader();
    expect((await reader.read()).done).toBe(true);
    expect(cancelled).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(() => checked.reserve(who)).not.toThrow();
  });

  it('leaves an answer that is not a stream (an error) as it is', async () => {
    const error = Response.json({ jsonrpc: '2.0', id: 1, error: { code: -32602, message: 'Invalid params' } });
    const who = principal(['User.Read'], 1);
    expect(await streams.open(who, streams.reserve(who), async () => error)).toBe(error);
  });

  it('holds at most maxListenStreamsPerSubject open streams per subject, and gives a place back when a stream ends', async () => {
    const who = principal(['User.Read']);
    const other = { ...principal(['User.Read']), sub: 'someone-else', id: 'someone-else' };
    const streamOf = () => new Response(new ReadableStream({ pull() {} }), { headers: { 'content-type': 'text/event-stream' } });
    const first = await streams.open(who, streams.reserve(who), async () => streamOf());
    const second = await streams.open(who, streams.reserve(who), async () => streamOf());
    let refusal: unknown;
    try {
      streams.reserve(who);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(LimitExceededException);
    expect((refusal as LimitExceededException).getStatus()).toBe(429);
    expect((refusal as LimitExceededException).retryAfterSeconds).toBeGreaterThan(0);
    // Another subject is not affected.
    expect(() => streams.reserve(other)).not.toThrow();
    // The client of the first stream goes away: its place is free again.
    await first.body!.cancel();
    expect(() => streams.reserve(who)).not.toThrow();
    await second.body!.cancel();
  });

  it('holds at most maxListenStreams open streams in all: 503 for whoever asks next, until one ends', async () => {
    const subject = (id: string) => ({ ...principal(['User.Read']), sub: id, id });
    const streamOf = () => new Response(new ReadableStream({ pull() {} }), { headers: { 'content-type': 'text/event-stream' } });
    const open = [];
    for (const id of ['a', 'b', 'c', 'd']) open.push(await streams.open(subject(id), streams.reserve(subject(id)), async () => streamOf()));
    let refusal: unknown;
    try {
      streams.reserve(subject('e'));
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(LimitExceededException);
    expect((refusal as LimitExceededException).getStatus()).toBe(503);
    expect((refusal as LimitExceededException).message).toContain('4 listen streams');
    expect((refusal as LimitExceededException).retryAfterSeconds).toBeGreaterThan(0);
    await open[0].body!.cancel();
    expect(() => streams.reserve(subject('e'))).not.toThrow();
    await Promise.all(open.slice(1).map((response) => response.body!.cancel()));
  });

  it('gives the place back at once for an answer that is not a stream, and when the handler fails', async () => {
    const who = principal(['User.Read']);
    for (let i = 0; i < 3; i++) await streams.open(who, streams.reserve(who), async () => Response.json({ error: 'x' }));
    await expect(
      streams.open(who, streams.reserve(who), async () => {
        throw new Error('handler failed');
      }),
    ).rejects.toThrow('handler failed');
    expect(() => streams.reserve(who)).not.toThrow();
  });
});
