import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from '@modelcontextprotocol/client';
import type {
  CallToolResult,
  CompleteRequest,
  CompleteResult,
  GetPromptResult,
  ListPromptsResult,
  ListResourcesResult,
  ListResourceTemplatesResult,
  ListToolsResult,
  ReadResourceResult,
} from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

/** The two ways a client meets the server: a 2025-11-25 session (the v1 SDK) or revision 2026-07-28 (the v2 SDK, pinned). */
export type Era = 'legacy' | 'modern';
export const ERAS: readonly Era[] = ['legacy', 'modern'];

/** What the tests ask of either SDK's client: the same calls, answered in the same shapes. */
export interface EraClient {
  /** Which capabilities the server announced (their contents differ in type between the SDKs; the tests read presence). */
  getServerCapabilities(): { completions?: object; prompts?: object; resources?: object; tools?: object } | undefined;
  listTools(params?: { cursor?: string }): Promise<ListToolsResult>;
  listResources(params?: { cursor?: string }): Promise<ListResourcesResult>;
  listResourceTemplates(params?: { cursor?: string }): Promise<ListResourceTemplatesResult>;
  listPrompts(params?: { cursor?: string }): Promise<ListPromptsResult>;
  callTool(params: { name: string; arguments?: Record<string, unknown> }): Promise<CallToolResult>;
  readResource(params: { uri: string }): Promise<ReadResourceResult>;
  getPrompt(params: { name: string; arguments?: Record<string, string> }): Promise<GetPromptResult>;
  complete(params: CompleteRequest['params']): Promise<CompleteResult>;
  close(): Promise<void>;
}

/**
 * A real SDK client of `era` connected to `url` with `token`: the v1 SDK's client on a
 * 2025-11-25 session, or the v2 SDK's client pinned to 2026-07-28. Each its own, so a
 * test proves both wires, not one SDK's idea of them.
 */
export async function connectEra(era: Era, url: string, token: string): Promise<EraClient> {
  const requestInit = { headers: { authorization: `Bearer ${token}` } };
  if (era === 'legacy') {
    const client = new Client({ name: 'e2e-v1', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit }));
    // The v1 SDK types the same JSON results a little differently (`object` where v2 has JSON values).
    return client as unknown as EraClient;
  }
  const client = new ClientV2({ name: 'e2e-v2', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(new TransportV2(new URL(url), { requestInit }));
  if (client.getProtocolEra() !== 'modern') throw new Error(`the v2 client negotiated ${client.getProtocolEra()}, not 2026-07-28`);
  return client;
}
