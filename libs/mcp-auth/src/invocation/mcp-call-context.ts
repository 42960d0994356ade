import { PROTOCOL_VERSION_META_KEY } from '@modelcontextprotocol/server';
import type { AuthInfo, ServerContext } from '@modelcontextprotocol/server';
import type { IncomingMessage } from 'node:http';
import type { McpPrincipal } from '../authentication/principal.js';
import type { DownstreamToken, DownstreamTokenRequest } from '../downstream/downstream-token.js';
import { DownstreamTokenError } from '../downstream/downstream-token.error.js';
import type { DownstreamTokens } from '../downstream/downstream-tokens.service.js';
import { carryingRequestOf } from '../http/carrying-request.js';
import type { McpToolContext } from '../tools/mcp-tool-context.js';
import { McpExecutionContext } from './mcp-execution-context.js';
import type { McpOperation, McpProtocolEra } from './mcp-execution-context.js';

/** The revision a 2025 request without `MCP-Protocol-Version` is taken to speak (the specification's rule). */
const UNNAMED_LEGACY_REVISION = '2025-03-26';

/**
 * One tool, resource or prompt call: what its method receives as its last argument (an
 * {@link McpToolContext}) and what enhancers read through {@link McpExecutionContext}.
 * Built here and nowhere else, once per call; what few calls read (the era, the HTTP
 * request) is worked out when read.
 */
export class McpCallContext extends McpExecutionContext implements McpToolContext {
  readonly arguments: Readonly<Record<string, unknown>>;
  readonly authInfo: AuthInfo;
  readonly sessionId: string | undefined;

  /**
   * @param signalSource where the signal comes from: the SDK's request (aborted on
   *   cancellation or close) or, for tools, the deadline that also aborts at the request timeout.
   */
  constructor(
    readonly operation: McpOperation,
    args: Readonly<Record<string, unknown>>,
    readonly principal: McpPrincipal,
    private readonly serverContext: ServerContext,
    private readonly signalSource: { readonly signal: AbortSignal },
    private readonly downstream?: DownstreamTokens,
  ) {
    super();
    this.arguments = args;
    this.authInfo = serverContext.http!.authInfo!;
    this.sessionId = serverContext.sessionId;
  }

  /** Read lazily: a deadline creates its controller only when a method asks for the signal. */
  get signal(): AbortSignal {
    return this.signalSource.signal;
  }

  /** A token for a downstream API, for this caller (see {@link McpToolContext.tokenFor}). */
  tokenFor(request: DownstreamTokenRequest): Promise<DownstreamToken> {
    if (!this.downstream) return Promise.reject(new DownstreamTokenError('not_configured', 'Downstream tokens are not available here'));
    return this.downstream.tokenFor(this, request);
  }

  get context(): McpToolContext {
    return this;
  }

  get request(): IncomingMessage | undefined {
    return carryingRequestOf(this.authInfo)?.request;
  }

  get era(): McpProtocolEra {
    return carryingRequestOf(this.authInfo)?.era ?? (this.envelopeRevision === undefined ? 'legacy' : 'modern');
  }

  get protocolVersion(): string | undefined {
    if (this.era === 'modern') return this.envelopeRevision;
    const request = this.request;
    if (!request) return undefined;
    const header = request.headers['mcp-protocol-version'];
    return typeof header === 'string' && header !== '' ? header : UNNAMED_LEGACY_REVISION;
  }

  private get envelopeRevision(): string | undefined {
    const revision = this.serverContext.mcpReq.envelope?.[PROTOCOL_VERSION_META_KEY as never];
    return typeof revision === 'string' ? revision : undefined;
  }
}
