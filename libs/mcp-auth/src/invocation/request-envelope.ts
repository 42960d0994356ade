import type { ServerContext } from '@modelcontextprotocol/server';

/**
 * The per-request `_meta` envelope of a 2026-07-28 request (`io.modelcontextprotocol/*`
 * keys: revision, client capabilities, log level), undefined on a 2025 request. The SDK types
 * it as an empty object and validates it at dispatch; its values are read by key here.
 */
export function envelopeOf(ctx: ServerContext): Readonly<Record<string, unknown>> | undefined {
  return ctx.mcpReq.envelope as Readonly<Record<string, unknown>> | undefined;
}
