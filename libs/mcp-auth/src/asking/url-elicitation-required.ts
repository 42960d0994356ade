import { UrlElicitationRequiredError } from '@modelcontextprotocol/server';

/**
 * The key under which an error carries the page a user must visit before the call can
 * succeed. An error class of yours (a downstream API's "consent required") can carry it too:
 * `get [MCP_URL_ELICITATION]() { return { message: this.message, url: this.consentUrl }; }`.
 */
export const MCP_URL_ELICITATION: unique symbol = Symbol.for('nestjs-mcp-auth.urlElicitation');

/** The page, and what to tell the user about it. */
export interface McpUrlElicitationRequest {
  readonly message: string;
  readonly url: string;
}

/**
 * Thrown by a method that cannot go on until the user has visited a page (consent, a
 * sign-in, a payment). Where the client supports URL elicitation the call becomes one: on
 * revision 2026-07-28 an `input_required` round asking the user to open `url`, after which the
 * method runs again; on a 2025-11-25 session the `-32042` URL-elicitation-required error the
 * client answers by opening the page and calling again. Elsewhere (or when the user declines),
 * the call fails as the message says: a tool error naming the page, or -32600 for a resource or prompt.
 *
 * @example
 * ```ts
 * if (!(await this.calendar.hasConsent(principal))) {
 *   throw new McpUrlElicitationRequired('Allow access to your calendar, then try again', this.calendar.consentUrl(principal));
 * }
 * ```
 */
export class McpUrlElicitationRequired extends Error {
  override readonly name = 'McpUrlElicitationRequired';

  constructor(
    message: string,
    readonly url: string,
  ) {
    super(message);
  }

  get [MCP_URL_ELICITATION](): McpUrlElicitationRequest {
    return { message: this.message, url: this.url };
  }
}

/**
 * The page an error asks the user to visit: from {@link MCP_URL_ELICITATION}, or from the
 * SDK's own `UrlElicitationRequiredError` (its first elicitation). Undefined for any other error.
 */
export function urlElicitationOf(error: unknown): McpUrlElicitationRequest | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const carried = (error as { [MCP_URL_ELICITATION]?: unknown })[MCP_URL_ELICITATION];
  if (isRequest(carried)) return carried;
  if (error instanceof UrlElicitationRequiredError) {
    const first = error.elicitations[0];
    return first ? { message: first.message, url: first.url } : undefined;
  }
  return undefined;
}

function isRequest(value: unknown): value is McpUrlElicitationRequest {
  if (typeof value !== 'object' || value === null) return false;
  const { message, url } = value as Record<string, unknown>;
  return typeof message === 'string' && typeof url === 'string' && URL.canParse(url);
}
