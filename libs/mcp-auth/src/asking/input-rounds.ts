import { MissingRequiredClientCapabilityError, inputRequired } from '@modelcontextprotocol/server';
import type { ClientCapabilities, InputRequests, ServerContext, jsonSchemaValidator } from '@modelcontextprotocol/server';
import { answerOf, declares, requiredCapability } from './asked-inputs.js';
import type { AskedInput } from './asked-inputs.js';
import { canonicalDigest } from './canonical-digest.js';
import { McpInputRequired } from './mcp-input-required.js';
import type { McpUrlElicitationRequest } from './url-elicitation-required.js';
import type { RoundEnding, SealedCall, SealedRound } from './request-state-seal.js';

/** The key a page named by a thrown error is asked under. */
const URL_FROM_ERROR_KEY = 'url';

/**
 * A 2026-07-28 call's questions, asked one round at a time (multi-round-trip requests).
 *
 * The method runs from the top on every round. Its asks are numbered as they come: an ask
 * the verified `requestState` already records gets its answer back (from the state, or for
 * the round being answered from the request's `inputResponses`) without a round trip, after
 * its questions are checked to be those recorded (else -32602: the method must ask the same
 * things in the same order every time). The first ask without an answer ends the round: the
 * questions and the rounds so far are noted ({@link ending}) and {@link McpInputRequired} is
 * thrown; the handler answers `input_required` with the state sealed. An answer missing or not
 * of the kind asked (a client that skipped it) has the question asked again, as the
 * specification advises; answers to questions never asked (no state) are ignored.
 */
export class InputRounds {
  /** Set when the round ended: what to ask and seal. */
  ending?: RoundEnding;
  private next = 0;
  private readonly answered: SealedRound[] = [];
  private readonly sealed: readonly SealedRound[];

  constructor(
    private readonly ctx: ServerContext,
    private readonly validator: jsonSchemaValidator,
    /** What the client declared in the request's envelope. */
    private readonly declared: ClientCapabilities | undefined,
    /** Refuses the state (audited, -32602) when the questions differ from those it records. */
    private readonly otherQuestions: () => never,
  ) {
    this.sealed = ctx.mcpReq.requestState<SealedCall>()?.b ?? [];
  }

  /** The answers to `asked`, by key, or the end of the round (throws {@link McpInputRequired}). */
  async ask(asked: readonly AskedInput[]): Promise<Record<string, unknown>> {
    if (this.ending) throw new McpInputRequired();
    const keys = asked.map(({ key }) => key);
    const digest = canonicalDigest(asked.map(({ key, request }) => [key, request]));
    const index = this.next++;
    const recorded = this.sealed[index];
    // A round that asked for an error's page was no question of the method's: past it, the method asks anew.
    if (recorded && !recorded.t) {
      if (recorded.d !== digest) this.otherQuestions();
      const responses = recorded.r ?? (index === this.sealed.length - 1 ? this.ctx.mcpReq.inputResponses : undefined);
      const answers = responses && (await this.answers(asked, responses));
      if (answers) {
        this.answered.push({ d: digest, r: Object.fromEntries(keys.map((key) => [key, responses[key]])) });
        return answers;
      }
    }
    this.refuseUndeclared(asked);
    return this.endRound(asked, { d: digest });
  }

  /**
   * The page a thrown error names, asked as the next round (its URL may differ on every run,
   * so it is not compared). True when the round ends asking for it; false when the error
   * stands: the client's answer to that same page, asked last round, was a refusal, or the
   * client cannot be asked for a page.
   */
  askForPage(page: McpUrlElicitationRequest): boolean {
    if (this.ending) return true;
    const recorded = this.sealed[this.next];
    if (recorded?.t && this.next === this.sealed.length - 1) {
      const answer = this.ctx.mcpReq.inputResponses?.[URL_FROM_ERROR_KEY] as { action?: unknown } | undefined;
      if (answer?.action === 'decline' || answer?.action === 'cancel') return false;
    }
    if (!declares(this.declared, { kind: 'url', ...page })) return false;
    const request = inputRequired.elicitUrl({ message: page.message, url: page.url });
    this.ending = { requests: { [URL_FROM_ERROR_KEY]: request }, rounds: [...this.answered, { d: '', t: 1 }] };
    return true;
  }

  /** Every answer of the round, or undefined when one is missing or not an answer of its kind. */
  private async answers(
    asked: readonly AskedInput[],
    responses: Readonly<Record<string, unknown>>,
  ): Promise<Record<string, unknown> | undefined> {
    const answers: Record<string, unknown> = {};
    for (const one of asked) {
      const answer = await answerOf(one, responses[one.key], this.validator);
      if (answer === undefined) return undefined;
      answers[one.key] = answer;
    }
    return answers;
  }

  /** The specification's answer to a question the client cannot take: -32021, naming every capability missing. */
  private refuseUndeclared(asked: readonly AskedInput[]): void {
    const missing = asked.filter(({ input }) => !declares(this.declared, input));
    if (missing.length === 0) return;
    const requiredCapabilities: ClientCapabilities = {};
    for (const { input } of missing) {
      const required = requiredCapability(input);
      const elicitation = { ...requiredCapabilities.elicitation, ...required.elicitation };
      Object.assign(requiredCapabilities, required, required.elicitation ? { elicitation } : {});
    }
    throw new MissingRequiredClientCapabilityError({ requiredCapabilities });
  }

  private endRound(asked: readonly AskedInput[], round: SealedRound): never {
    const requests: InputRequests = {};
    for (const { key, request } of asked) requests[key] = request;
    this.ending = { requests, rounds: [...this.answered, round] };
    throw new McpInputRequired();
  }
}
