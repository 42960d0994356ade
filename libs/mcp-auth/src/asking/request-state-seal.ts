import { Inject, Injectable, Logger, forwardRef } from '@nestjs/common';
import type { OnApplicationBootstrap } from '@nestjs/common';
import { hash, randomBytes } from 'node:crypto';
import { ProtocolError, ProtocolErrorCode, createRequestStateCodec, inputRequired } from '@modelcontextprotocol/server';
import type { InputRequiredResult, InputRequests, RequestStateCodec, ServerContext, ServerOptions } from '@modelcontextprotocol/server';
import { AuditTrail } from '../audit/audit-trail.js';
import type { McpAuditAction } from '../audit/audit-event.js';
import type { McpPrincipal } from '../authentication/principal.js';
import { carryingRequestOf } from '../http/carrying-request.js';
import { auditedOperation } from '../invocation/audited-operation.js';
import { UsedOnceRecord } from '../limits/used-once-record.js';
import type { McpOperation } from '../invocation/mcp-execution-context.js';
import { MCP_AUTH_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import type { ResolvedMcpAuthOptions } from '../mcp-auth.options.js';
import { RedisConnection } from '../redis/redis-connection.js';
import { sessionField } from '../server/handler-authorization.js';
import { canonicalDigest } from './canonical-digest.js';
import { FormValidators } from './form-validators.js';

/**
 * One round of a call's questions as its `requestState` carries it: the digest of what was
 * asked (`d`), the client's answers once they came (`r`, all rounds but the one being
 * answered), and whether the round asked for the page an error named (`t`). Short names: the
 * state travels with every round.
 */
export interface SealedRound {
  readonly d: string;
  readonly r?: Readonly<Record<string, unknown>>;
  readonly t?: 1;
}

/**
 * What a call's `requestState` seals: which operation (`o`) with which arguments (`g`, their
 * digest) it belongs to, its rounds so far (`b`), and a nonce (`n`). Bound besides (HMAC tag, not readable) to the
 * issuer, subject and client of the caller and to the JSON-RPC method; signed, not encrypted:
 * the client can read the answers it gave, and nothing else is in it.
 */
export interface SealedCall {
  readonly o: string;
  readonly g: string;
  readonly b: readonly SealedRound[];
  /** Random: the codec's seal is deterministic within a second, and each state must be one of a kind to be used once. */
  readonly n: string;
}

/** A state that passed the SDK's seam, as handlers read it: the sealed call, and (single use) the state's digest. */
interface VerifiedCall extends SealedCall {
  /**
   * SHA-256 of the state as sent: with its nonce, each mint differs, so this names one state.
   * Set only when `requestState.singleUse` is on: each state's one use is recorded under it.
   */
  readonly id?: string;
}

/** How a call's round ended: what to ask, and the rounds to seal. */
export interface RoundEnding {
  readonly requests: InputRequests;
  readonly rounds: readonly SealedRound[];
}

/** Why state was refused, as the audit trail records it. The client learns none of it: every refusal reads the same. */
export type RequestStateRefusal =
  | 'request_state_invalid'
  | 'request_state_expired'
  | 'request_state_other_principal'
  | 'request_state_other_operation'
  | 'request_state_other_arguments'
  | 'request_state_other_questions'
  | 'request_state_replayed';

/**
 * Answered states remembered in one instance's memory at once (with Redis, the fleet's record
 * holds each for its lifetime besides): ten minutes of 80 answered rounds per second.
 */
const USED_STATES_IN_MEMORY = 100_000;

/** What startup says when replicas share Redis but each made its own state key. */
export const UNSHARED_KEY_WARNING =
  'McpAuthModule: requestState.key is not set, so this instance sealed questions (ctx.elicit(), 2026-07-28) with a key of its own: ' +
  'a client that answers on another replica is refused. Give every replica the same requestState.key (at least 32 bytes).';

/** The codec's own reasons (`RequestStateCodec.verify`), in the audit trail's words. */
const CODEC_REFUSALS: Readonly<Record<string, RequestStateRefusal>> = {
  malformed: 'request_state_invalid',
  mac: 'request_state_invalid',
  expired: 'request_state_expired',
  bind: 'request_state_other_principal',
};

/**
 * The `requestState` of revision 2026-07-28's multi-round-trip requests, sealed with the
 * SDK's HMAC codec (`createRequestStateCodec`) under the configured key, so every replica
 * verifies what another minted. Three checks, all before the method runs again, each refusal
 * -32602 and audited: the SDK's `requestState.verify` seam checks the seal, the expiry and the
 * binding to the caller (issuer, subject, client) and the JSON-RPC method; the handler then
 * checks the sealed operation and arguments against the call's and (unless
 * `requestState.singleUse` is off) that the state was not answered before, in this instance or,
 * with Redis, anywhere in the fleet ({@link refuseUnlessBoundTo}). The questions are checked as
 * the method asks them again ({@link refuseOtherQuestions}).
 *
 * Single use is ours, not the codec's: the SDK's codec binds and expires a state but accepts it
 * any number of times within its lifetime, so one confirmation ("delete product 1?") could
 * complete the same call again until it expired. Each round mints a new state, so a client that
 * follows the protocol never sends one twice; a client that retries a lost answer starts the
 * call over.
 */
@Injectable()
export class RequestStateSeal implements OnApplicationBootstrap {
  private readonly codec: RequestStateCodec<SealedCall>;
  /** States already answered, when each is accepted once. */
  private readonly answered?: UsedOnceRecord;
  /** Checks accepted form content against a schema written as JSON Schema (both eras). */
  readonly validator = new FormValidators();
  /** `ServerOptions.requestState` of every protocol server: built once. */
  readonly serverOption: NonNullable<ServerOptions['requestState']>;

  constructor(
    @Inject(MCP_AUTH_RESOLVED_OPTIONS)
    private readonly options: Pick<ResolvedMcpAuthOptions, 'requestState' | 'requestTimeoutMs' | 'redis' | 'jsonResponse'>,
    // Through forwardRef: the audit trail's imports lead back to the server factory, which needs this.
    @Inject(forwardRef(() => AuditTrail)) private readonly audit: AuditTrail,
    redis?: RedisConnection,
  ) {
    const { key, ttlSeconds, singleUse } = options.requestState;
    this.codec = createRequestStateCodec<SealedCall>({ key, ttlSeconds, bind: callerBinding });
    if (singleUse) {
      this.answered = new UsedOnceRecord(
        {
          // As long as the codec accepts a state, and a minute more for replicas' clocks that disagree.
          ttlMs: (ttlSeconds + 60) * 1000,
          maxEntries: USED_STATES_IN_MEMORY,
          namespace: 'request-state',
          fullWarning: `requestState: more than ${USED_STATES_IN_MEMORY} answered rounds within their lifetime: forgetting older ones early; configure redis or shorten requestState.ttlSeconds`,
        },
        redis,
      );
    }
    this.serverOption = { verify: (state, ctx) => this.verify(state, ctx) };
  }

  /** A fleet (Redis shared between replicas) whose state key each replica made for itself cannot resume another's rounds: said at startup. */
  onApplicationBootstrap(): void {
    if (this.options.redis && !this.options.requestState.configured) new Logger('McpAuth').warn(UNSHARED_KEY_WARNING);
  }

  /** How long a 2025 session waits for the client's answer to one question: a tool's whole run is bounded by it too. */
  get answerTimeoutMs(): number {
    return this.options.requestTimeoutMs;
  }

  /**
   * Whether 2025 batches are answered as JSON: the SDK's transport then has no stream for a
   * question asked by one of their calls, and it would wait in vain (a single request's JSON
   * answer becomes a stream instead; see `LegacyJsonTransport`).
   */
  get batchesAnswerAsJson(): boolean {
    return this.options.jsonResponse;
  }

  /**
   * Refuses (-32602, audited) a call whose verified state was sealed for another operation or
   * other arguments, or (single use) was answered before. `subject` is what the call acts on as
   * the client sent it: a tool's or a prompt's arguments, a resource's URI. Does nothing for a
   * call without state; a promise only when a state is checked for single use (Redis may be asked).
   */
  refuseUnlessBoundTo(ctx: ServerContext, operation: McpOperation, subject: unknown, principal: McpPrincipal): void | Promise<void> {
    const sealed = ctx.mcpReq.requestState<VerifiedCall>();
    if (sealed === undefined) return;
    if (sealed.o !== operationKey(operation)) this.refuse(ctx, principal, 'request_state_other_operation', operation);
    if (sealed.g !== canonicalDigest(subject)) this.refuse(ctx, principal, 'request_state_other_arguments', operation);
    // Recorded only once bound to this caller, operation and arguments: nobody else can use a state up.
    if (sealed.id !== undefined) return this.refuseIfAnsweredBefore(sealed.id, ctx, principal, operation);
  }

  /** Refuses (-32602, audited) state whose recorded questions are not those the method asks now. */
  refuseOtherQuestions(ctx: ServerContext, principal: McpPrincipal, operation: McpOperation): never {
    this.refuse(ctx, principal, 'request_state_other_questions', operation);
  }

  /** The `input_required` result a round ends with: the questions, and the state sealed for this caller, operation and arguments. */
  async inputRequired(ending: RoundEnding, ctx: ServerContext, operation: McpOperation, subject: unknown): Promise<InputRequiredResult> {
    const state: SealedCall = {
      o: operationKey(operation),
      g: canonicalDigest(subject),
      b: ending.rounds,
      n: randomBytes(12).toString('base64url'),
    };
    return inputRequired({ inputRequests: ending.requests, requestState: await this.codec.mint(state, ctx) });
  }

  /** The SDK's seam: the seal, expiry and caller binding, before any handler runs. A refusal is audited, then answered -32602 by the SDK. */
  private async verify(state: string, ctx: ServerContext): Promise<VerifiedCall> {
    let sealed: SealedCall;
    try {
      sealed = await this.codec.verify(state, ctx);
    } catch (error) {
      this.refuseAtSeam(ctx, CODEC_REFUSALS[(error as Error)?.message] ?? 'request_state_invalid');
    }
    // What the handler sees as the round's state: the sealed call, and (single use) which state it was, to accept it once.
    return this.answered ? { ...sealed, id: hash('sha256', state, 'base64url') } : sealed;
  }

  /** A refusal at the SDK's seam: audited here, answered -32602 by the SDK (whatever the error says). */
  private refuseAtSeam(ctx: ServerContext, reason: RequestStateRefusal): never {
    const principal = ctx.http?.authInfo?.extra?.principal as McpPrincipal | undefined;
    if (principal) this.audit.decided(actionOf(ctx), 'denied', principal, { reason, ...targetOf(ctx), ...sessionField(ctx) });
    throw invalidRequestState();
  }

  private async refuseIfAnsweredBefore(id: string, ctx: ServerContext, principal: McpPrincipal, operation: McpOperation): Promise<void> {
    if (!(await this.answered!.firstUse(id))) this.refuse(ctx, principal, 'request_state_replayed', operation);
  }

  private refuse(ctx: ServerContext, principal: McpPrincipal, reason: RequestStateRefusal, operation: McpOperation): never {
    const { action, target } = auditedOperation(operation);
    this.audit.decided(action, 'denied', principal, { reason, ...target, ...sessionField(ctx) });
    throw invalidRequestState();
  }
}

/** The SDK's own answer to state that fails its seam, used for every refusal: the client cannot tell one check from another. */
export function invalidRequestState(): ProtocolError {
  return new ProtocolError(ProtocolErrorCode.InvalidParams, 'Invalid or expired requestState', { reason: 'invalid_request_state' });
}

/** What the seal's HMAC tag binds: the caller (issuer, subject, client) and the JSON-RPC method. */
function callerBinding(ctx: ServerContext): string {
  const principal = ctx.http?.authInfo?.extra?.principal as McpPrincipal | undefined;
  if (!principal) throw new Error('unauthenticated');
  return [principal.issuer, principal.sub, principal.clientId ?? '', ctx.mcpReq.method].join('\0');
}

function operationKey(operation: McpOperation): string {
  return `${operation.kind}:${operation.name}`;
}

function actionOf(ctx: ServerContext): McpAuditAction {
  const method = ctx.mcpReq.method;
  return method === 'resources/read' || method === 'prompts/get' ? method : 'tools/call';
}

/**
 * What a refused request named, for the audit trail, from the message the endpoint read: the
 * SDK's seam runs before any handler, with the context only. The audit trail bounds it (the caller's text).
 */
function targetOf(ctx: ServerContext): { tool?: string; resource?: string; prompt?: string } {
  const params = (carryingRequestOf(ctx.http?.authInfo)?.message as { params?: { name?: unknown; uri?: unknown } } | undefined)?.params;
  const name = typeof params?.name === 'string' ? params.name : undefined;
  const uri = typeof params?.uri === 'string' ? params.uri : undefined;
  switch (ctx.mcpReq.method) {
    case 'resources/read':
      return uri === undefined ? {} : { resource: uri };
    case 'prompts/get':
      return name === undefined ? {} : { prompt: name };
    default:
      return name === undefined ? {} : { tool: name };
  }
}
