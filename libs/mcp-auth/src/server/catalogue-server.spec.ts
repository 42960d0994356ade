import { InMemoryTransport, SdkError, SdkErrorCode } from '@modelcontextprotocol/server';
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { CatalogueServer, reachable } from './catalogue-server.js';

describe('CatalogueServer', () => {
  async function connected(
    server: CatalogueServer,
  ): Promise<{ send: (message: JSONRPCMessage) => Promise<void>; answers: JSONRPCMessage[] }> {
    const [client, serverSide] = InMemoryTransport.createLinkedPair();
    const answers: JSONRPCMessage[] = [];
    client.onmessage = (message) => void answers.push(message);
    await server.connect(serverSide);
    await client.start();
    return { send: (message) => client.send(message), answers };
  }

  it('still fails a running handler with ConnectionClosed on close, and leaves Error.stackTraceLimit as it was', async () => {
    const server = new CatalogueServer({ name: 'test', version: '1.0.0' }, { capabilities: { tools: {} } });
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    let reason: unknown;
    server.setRequestHandler(
      'tools/call',
      reachable(
        (_request: unknown, ctx) =>
          new Promise<never>(() => {
            ctx.mcpReq.signal.addEventListener('abort', () => (reason = ctx.mcpReq.signal.reason), { once: true });
            started();
          }),
      ),
    );
    const { send } = await connected(server);
    await send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'slow', arguments: {} } });
    await running;
    const limit = Error.stackTraceLimit;

    await server.close();

    expect(reason).toBeInstanceOf(SdkError);
    expect((reason as SdkError).code).toBe(SdkErrorCode.ConnectionClosed);
    expect(Error.stackTraceLimit).toBe(limit);
  });

  it('answers params that do not fit the method with -32602 Invalid params', async () => {
    const server = new CatalogueServer({ name: 'test', version: '1.0.0' }, { capabilities: { tools: {} } });
    server.setRequestHandler(
      'tools/call',
      reachable(() => ({ content: [] })),
    );
    const { send, answers } = await connected(server);
    await send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 42 } });
    for (let i = 0; i < 50 && answers.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(answers).toEqual([expect.objectContaining({ id: 2, error: expect.objectContaining({ code: -32602 }) })]);
  });
});
