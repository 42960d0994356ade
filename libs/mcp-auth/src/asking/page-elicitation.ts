import { UrlElicitationRequiredError } from '@modelcontextprotocol/server';
import { randomUUID } from 'node:crypto';
import type { McpCallContext } from '../invocation/mcp-call-context.js';
import { declares } from './asked-inputs.js';
import { urlElicitationOf } from './url-elicitation-required.js';

/**
 * What a method's error naming a page to visit (see `McpUrlElicitationRequired`) becomes
 * where the client can be asked to open it: on 2026-07-28 the end of the round, asking for the
 * page (`'round'`, unless the user just declined it); on a 2025 session whose client declared
 * URL elicitation, the SDK's -32042 error carrying it. Undefined where the error stands as it is.
 */
export function pageElicitation(error: unknown, call: McpCallContext): 'round' | UrlElicitationRequiredError | undefined {
  const page = urlElicitationOf(error);
  if (!page) return undefined;
  if (call.era === 'modern') return call.askForPage(page) ? 'round' : undefined;
  if (!declares(call.clientCapabilities, { kind: 'url', ...page })) return undefined;
  return new UrlElicitationRequiredError(
    [{ mode: 'url', message: page.message, url: page.url, elicitationId: randomUUID() }],
    page.message,
  );
}
