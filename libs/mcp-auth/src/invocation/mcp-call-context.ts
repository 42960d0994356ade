import {
  CLIENT_CAPABILITIES_META_KEY,
  DEFAULT_NEGOTIATED_PROTOCOL_VERSION,
  LOG_LEVEL_META_KEY,
  PROTOCOL_VERSION_META_KEY,
} from '@modelcontextprotocol/server';
import type {
  AuthInfo,
  ClientCapabilities,
  CreateMessageRequestParams,
  CreateMessageResult,
  CreateMessageResultWithTools,
  LoggingLevel,
  Root,
  ServerContext,
} from '@modelcontextprotocol/server';
import type { IncomingMessage } from 'node:http';
import { SINGLE_ASK_KEYS, askedInputs } from '../asking/asked-inputs.js';
import { InputRounds } from '../asking/input-rounds.js';
import { McpInput } from '../asking/mcp-input.js';
import type { McpAnswers, McpFormAnswer, McpFormContent, McpFormSchema, McpUrlAnswer } from '../asking/mcp-input.js';
import { McpInputUnavailableError } from '../asking/input-unavailable.error.js';
import type { RequestStateSeal, RoundEnding } from '../asking/request-state-seal.js';
import { askOnSession } from '../asking/session-asking.js';
import type { McpUrlElicitationRequest } from '../asking/url-elicitation-required.js';
import type { McpPrincipal } from '../authentication/principal.js';
import type { DownstreamToken, DownstreamTokenRequest } from '../downstream/downstream-token.js';
import { DownstreamTokenError } from '../downstream/downstream-token.error.js';
import type { DownstreamTokens } from '../downstream/downstream-tokens.service.js';
import { carryingRequestOf } from '../http/carrying-request.js';
import { isLoggingLevel, passes, withoutToken } from '../reporting/log-levels.js';
import type { CatalogueServer } from '../server/catalogue-server.js';
import type { McpToolContext } from '../tools/mcp-tool-context.js';
import { McpExecutionContext } from './mcp-execution-context.js';
import { envelopeOf } from './request-envelope.js';
import type { McpOperation, McpProtocolEra } from './mcp-execution-context.js';

/** What a call may reach beyond itself, given where the call is made. */
export interface McpCallServices {
  /** The protocol server the call runs on: how it asks the client, its log level, its request-state seal. */
  readonly server?: CatalogueServer;
  /** Tokens for downstream APIs (`ctx.tokenFor`). */
  readonly downstream?: DownstreamTokens;
}

/** What a report (progress, a log message) resolves with when nothing is sent: one promise for all. */
const NOTHING_SENT: Promise<void> = Promise.resolve();

/**
 * One tool, resource or prompt call: what its method receives as its last argument (an
 * {@link McpToolContext}) and what enhancers read through {@link McpExecutionContext}.
 * Built here and nowhere else, once per call; what few calls read (the era, the HTTP
 * request) is worked out when read, and what few calls do (report progress, log, ask the
 * client) lives on the prototype, so a method that does none of it costs nothing more.
 */
export class McpCallContext extends McpExecutionContext implements McpToolContext {
  readonly arguments: Readonly<Record<string, unknown>>;
  readonly authInfo: AuthInfo;
  readonly sessionId: string | undefined;
  /** The last progress reported: each must be greater (the specification's rule). */
  private lastProgress?: number;
  /** The questions of a 2026-07-28 call, made at its first ask. */
  private rounds?: InputRounds;
  /** Set while a question waits for its answer: the next must wait its turn. */
  private asking?: boolean;

  /**
   * @param signalSource where the signal comes from: the SDK's request (aborted on
   *   cancellation or close) or, for tools, the deadline that also aborts at the request timeout.
   * @param server the protocol server serving the call: its session's log level and client
   *   capabilities (2025), the seal of its questions (2026-07-28). None for a completer, which
   *   cannot ask for input (`completion/complete` has no rounds).
   */
  constructor(
    readonly operation: McpOperation,
    args: Readonly<Record<string, unknown>>,
    readonly principal: McpPrincipal,
    private readonly serverContext: ServerContext,
    private readonly signalSource: { readonly signal: AbortSignal },
    /** What the call may reach beyond itself: its protocol server (to ask the client), downstream tokens. */
    private readonly services: McpCallServices = {},
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
    if (!this.services.downstream)
      return Promise.reject(new DownstreamTokenError('not_configured', 'Downstream tokens are not available here'));
    return this.services.downstream.tokenFor(this, request);
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
    // Without `MCP-Protocol-Version`, a 2025 request is taken to speak 2025-03-26 (the specification's rule).
    return typeof header === 'string' && header !== '' ? header : DEFAULT_NEGOTIATED_PROTOCOL_VERSION;
  }

  get clientCapabilities(): ClientCapabilities | undefined {
    if (this.era === 'modern') return envelopeOf(this.serverContext)?.[CLIENT_CAPABILITIES_META_KEY] as ClientCapabilities | undefined;
    // The session's, from its initialize: the per-request view a 2025 call has no other source for.
    return this.services.server?.getClientCapabilities();
  }

  progress(done: number, total?: number, message?: string): Promise<void> {
    const token = this.serverContext.mcpReq._meta?.progressToken;
    if (!Number.isFinite(done) || (total !== undefined && !Number.isFinite(total))) {
      throw new TypeError(`progress(done, total?) takes finite numbers (got ${done}, ${total})`);
    }
    if (token === undefined || (this.lastProgress !== undefined && done <= this.lastProgress)) return NOTHING_SENT;
    this.lastProgress = done;
    const params = { progressToken: token, progress: done, ...(total !== undefined ? { total } : {}), ...(message ? { message } : {}) };
    return this.report({ method: 'notifications/progress', params });
  }

  log(level: LoggingLevel, data: unknown, logger?: string): Promise<void> {
    if (!isLoggingLevel(level)) throw new TypeError(`log(level, data): unknown level ${JSON.stringify(level)}`);
    const threshold = this.era === 'modern' ? envelopeOf(this.serverContext)?.[LOG_LEVEL_META_KEY] : this.services.server?.logLevel;
    if (!passes(level, threshold)) return NOTHING_SENT;
    const params = { level, data: withoutToken(data, this.authInfo.token), ...(logger ? { logger } : {}) };
    return this.report({ method: 'notifications/message', params });
  }

  async elicit<S extends McpFormSchema>(input: { message: string; schema: S }): Promise<McpFormAnswer<McpFormContent<S>>> {
    const answers = await this.ask({ [SINGLE_ASK_KEYS.form]: McpInput.form(input) });
    return answers[SINGLE_ASK_KEYS.form] as McpFormAnswer<McpFormContent<S>>;
  }

  async elicitUrl(input: { message: string; url: string }): Promise<McpUrlAnswer> {
    return (await this.ask({ [SINGLE_ASK_KEYS.url]: McpInput.url(input) }))[SINGLE_ASK_KEYS.url];
  }

  async sample(params: CreateMessageRequestParams): Promise<CreateMessageResult | CreateMessageResultWithTools> {
    return (await this.ask({ [SINGLE_ASK_KEYS.sampling]: McpInput.sampling(params) }))[SINGLE_ASK_KEYS.sampling];
  }

  async listRoots(): Promise<Root[]> {
    return (await this.ask({ [SINGLE_ASK_KEYS.roots]: McpInput.roots() }))[SINGLE_ASK_KEYS.roots];
  }

  async ask<T extends Record<string, McpInput>>(inputs: T): Promise<McpAnswers<T>> {
    // On 2026-07-28 each ask has its place in the sealed order of questions: two at once would have none.
    if (this.asking) throw new TypeError('Await each question before the next (several at once: ctx.ask({ a: ..., b: ... }))');
    const asked = askedInputs(inputs);
    const seal = this.seal;
    this.asking = true;
    try {
      if (this.era === 'modern') return (await this.inputRounds.ask(asked)) as McpAnswers<T>;
      const inJsonBatch = seal.batchesAnswerAsJson && Array.isArray(carryingRequestOf(this.authInfo)?.message);
      const declared = this.clientCapabilities;
      const options = { signal: this.signal, timeoutMs: seal.answerTimeoutMs, validator: seal.validator, inJsonBatch, declared };
      return (await askOnSession(this.serverContext, asked, options)) as McpAnswers<T>;
    } finally {
      this.asking = false;
    }
  }

  /** Where a 2026-07-28 call's round ended, if it did: the handler answers `input_required` with it. */
  get roundEnding(): RoundEnding | undefined {
    return this.rounds?.ending;
  }

  /**
   * On 2026-07-28, asks for the page a thrown error named (URL elicitation) as the next round,
   * when the client supports it and did not just decline it: true when the round ends asking for it.
   */
  askForPage(page: McpUrlElicitationRequest): boolean {
    return this.inputRounds.askForPage(page);
  }

  private get inputRounds(): InputRounds {
    const seal = this.seal;
    return (this.rounds ??= new InputRounds(this.serverContext, seal.validator, this.clientCapabilities, () =>
      seal.refuseOtherQuestions(this.serverContext, this.principal, this.operation),
    ));
  }

  /** What seals this call's questions; a completer has none, and cannot ask. */
  private get seal(): RequestStateSeal {
    const seal = this.services.server?.seal;
    if (!seal) throw new McpInputUnavailableError(`Input cannot be requested while completing an argument (${this.operation.name})`);
    return seal;
  }

  /** Sends a notification about this call on its own stream; best effort: a client gone, or a call already answered, drops it. */
  private report(notification: {
    method: 'notifications/progress' | 'notifications/message';
    params: Record<string, unknown>;
  }): Promise<void> {
    try {
      return this.serverContext.mcpReq.notify(notification as never).catch(() => undefined);
    } catch {
      return NOTHING_SENT;
    }
  }

  private get envelopeRevision(): string | undefined {
    const revision = envelopeOf(this.serverContext)?.[PROTOCOL_VERSION_META_KEY];
    return typeof revision === 'string' ? revision : undefined;
  }
}
