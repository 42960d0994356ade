import { ProtocolError, ProtocolErrorCode, SdkError, SdkErrorCode } from '@modelcontextprotocol/server';
import type {
  ClientCapabilities,
  ElicitRequestFormParams,
  ElicitRequestURLParams,
  RequestOptions,
  ServerContext,
  jsonSchemaValidator,
} from '@modelcontextprotocol/server';
import { randomUUID } from 'node:crypto';
import { answerOf, declares } from './asked-inputs.js';
import type { AskedInput } from './asked-inputs.js';
import { BATCH_CANNOT_ASK, McpInputUnavailableError, STATELESS_ENDPOINT_CANNOT_ASK } from './input-unavailable.error.js';

/** How a 2025 session's questions are sent: on the call's own stream, cancelled with the call. */
export interface SessionAskOptions {
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  readonly validator: jsonSchemaValidator;
  /** The call came in a batch answered as JSON: no stream to ask on. */
  readonly inJsonBatch: boolean;
  /** What the client declared at `initialize`. */
  readonly declared: ClientCapabilities | undefined;
}

/**
 * Asks on a 2025 session: each input is a request to the client, sent on the stream of the
 * call it belongs to (`relatedRequestId`), all at once; resolves with the answers by key. The
 * client's declared capabilities are checked before anything is sent (the form or URL mode
 * here, for every input; the rest by the SDK): a missing one becomes a tool error saying so.
 * Without a session (`stateless: true`) there is no way back for an answer: that is said instead.
 */
export async function askOnSession(
  ctx: ServerContext,
  asked: readonly AskedInput[],
  { signal, timeoutMs, validator, inJsonBatch, declared }: SessionAskOptions,
): Promise<Record<string, unknown>> {
  if (ctx.sessionId === undefined) throw new McpInputUnavailableError(STATELESS_ENDPOINT_CANNOT_ASK);
  if (inJsonBatch) throw new McpInputUnavailableError(BATCH_CANNOT_ASK);
  // A form or a URL needs its own mode declared (the SDK's request checks only that some elicitation is).
  const undeclared = asked.find(({ input }) => (input.kind === 'form' || input.kind === 'url') && !declares(declared, input));
  if (undeclared)
    throw new McpInputUnavailableError(`Input cannot be requested: Client does not support ${undeclared.input.kind} elicitation.`);
  const options: RequestOptions = { relatedRequestId: ctx.mcpReq.id, signal, timeout: timeoutMs };
  const answers = await Promise.all(
    asked.map(async (one) => {
      const answer = await answerOf(one, await send(ctx, one, options), validator);
      if (answer === undefined)
        throw new ProtocolError(ProtocolErrorCode.InvalidParams, `The client's answer to "${one.key}" is not an answer to what was asked`);
      return [one.key, answer] as const;
    }),
  );
  return Object.fromEntries(answers);
}

async function send(ctx: ServerContext, { input, request }: AskedInput, options: RequestOptions): Promise<unknown> {
  try {
    switch (input.kind) {
      case 'form':
        // Sent as is, not through elicitInput(): the answer is checked here, against a compiled check kept per form.
        return await ctx.mcpReq.send({ method: 'elicitation/create', params: request.params as ElicitRequestFormParams }, options);
      case 'url':
        // The 2025-11-25 URL mode names each elicitation; the client may report its completion by it.
        return await ctx.mcpReq.send(
          { method: 'elicitation/create', params: { ...(request.params as ElicitRequestURLParams), elicitationId: randomUUID() } },
          options,
        );
      case 'sampling':
        return await ctx.mcpReq.requestSampling(input.params, options);
      case 'roots':
        return await ctx.mcpReq.send({ method: 'roots/list' }, options);
    }
  } catch (error) {
    if (error instanceof SdkError && error.code === SdkErrorCode.CapabilityNotSupported) {
      throw new McpInputUnavailableError(`Input cannot be requested: ${error.message}`);
    }
    throw error;
  }
}
