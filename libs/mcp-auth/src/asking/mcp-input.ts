import type {
  CreateMessageRequestParams,
  CreateMessageResult,
  CreateMessageResultWithTools,
  ElicitRequestFormParams,
  Root,
  StandardSchemaV1,
  StandardSchemaWithJSON,
} from '@modelcontextprotocol/server';

/**
 * The fields of a form: a zod object (or any Standard Schema that converts itself to JSON
 * Schema), or the restricted JSON Schema of MCP elicitation written out (a flat object of
 * strings, numbers, booleans and enums). The answer is checked against it before the method sees it.
 */
export type McpFormSchema = StandardSchemaWithJSON | McpFormJsonSchema;

/** A form's fields written out as MCP's restricted elicitation schema. */
export type McpFormJsonSchema = ElicitRequestFormParams['requestedSchema'];

/** A form the user fills in (elicitation, form mode). */
export interface McpFormInput<S extends McpFormSchema = McpFormSchema> {
  readonly kind: 'form';
  /** What the user is asked, shown above the form. */
  readonly message: string;
  readonly schema: S;
}

/**
 * A page the user opens in their browser (elicitation, URL mode): consent, a payment, a
 * sign-in, anything that must not pass through the client. Only whether the user went
 * there comes back; what happened there is for the server to check out of band.
 */
export interface McpUrlInput {
  readonly kind: 'url';
  readonly message: string;
  readonly url: string;
}

/** A completion from the client's model (sampling). Deprecated by revision 2026-07-28 (SEP-2577), still served. */
export interface McpSamplingInput {
  readonly kind: 'sampling';
  readonly params: CreateMessageRequestParams;
}

/** The client's roots (`roots/list`). Deprecated by revision 2026-07-28 (SEP-2577), still served. */
export interface McpRootsInput {
  readonly kind: 'roots';
}

/** One thing a call asks the client for. Build it with {@link McpInput}. */
export type McpInput = McpFormInput | McpUrlInput | McpSamplingInput | McpRootsInput;

/** What the user did with a form: accepted it (with the content, checked against the schema), declined it, or dismissed it. */
export type McpFormAnswer<T = Record<string, unknown>> =
  { readonly action: 'accept'; readonly content: T } | { readonly action: 'decline' } | { readonly action: 'cancel' };

/** What the user did with a URL: went there and came back (`accept`), refused, or dismissed it. */
export interface McpUrlAnswer {
  readonly action: 'accept' | 'decline' | 'cancel';
}

/** A form's content as its schema types it. */
export type McpFormContent<S> = [S] extends [StandardSchemaV1] ? StandardSchemaV1.InferOutput<S> : Record<string, unknown>;

/** The answer to one {@link McpInput}. */
export type McpAnswerOf<I> =
  I extends McpFormInput<infer S>
    ? McpFormAnswer<McpFormContent<S>>
    : I extends McpUrlInput
      ? McpUrlAnswer
      : I extends McpSamplingInput
        ? CreateMessageResult | CreateMessageResultWithTools
        : I extends McpRootsInput
          ? Root[]
          : never;

/** The answers to a set of inputs asked together, by the same keys. */
export type McpAnswers<T extends Record<string, McpInput>> = { [K in keyof T]: McpAnswerOf<T[K]> };

/**
 * Builds what `ctx.ask({ ... })` asks for, several things at once under keys of your choosing.
 *
 * @example
 * ```ts
 * const { name, region } = await ctx.ask({
 *   name: McpInput.form({ message: 'Database name?', schema: z.object({ name: z.string() }) }),
 *   region: McpInput.form({ message: 'Which region?', schema: z.object({ region: z.enum(['eu', 'us']) }) }),
 * });
 * ```
 */
export const McpInput = {
  form<S extends McpFormSchema>(input: { message: string; schema: S }): McpFormInput<S> {
    return { kind: 'form', message: input.message, schema: input.schema };
  },
  url(input: { message: string; url: string }): McpUrlInput {
    return { kind: 'url', message: input.message, url: input.url };
  },
  sampling(params: CreateMessageRequestParams): McpSamplingInput {
    return { kind: 'sampling', params };
  },
  roots(): McpRootsInput {
    return { kind: 'roots' };
  },
} as const;

/**
 * Asking the client for input during a call, on both protocol eras: part of every tool's,
 * resource's and prompt's context.
 *
 * On a 2025 session each ask is a request to the client on the session (`elicitation/create`,
 * `sampling/createMessage`, `roots/list`), answered while the method waits. On revision
 * 2026-07-28 there are no requests to the client: the first ask ends the call's round with an
 * `input_required` result; the client collects the answers and calls again, and the method runs
 * again from the top, getting each earlier answer back at the same ask. So the code before an
 * ask may run more than once: it must change nothing (read, compute, ask; write after the last
 * ask). The asks must be the same, in the same order, on every run: a different one is refused (-32602).
 * A client that did not declare the capability gets -32021 on 2026-07-28; on a 2025 session the
 * call answers with a tool error saying so. A 2025 endpoint without sessions (`stateless: true`)
 * cannot ask: the call answers with a tool error saying so.
 */
export interface McpAsking {
  /**
   * Asks the user to fill in a form.
   *
   * @example
   * ```ts
   * const answer = await ctx.elicit({ message: `Delete ${product.name}?`, schema: z.object({ confirm: z.boolean() }) });
   * if (answer.action !== 'accept' || !answer.content.confirm) return 'Nothing deleted';
   * ```
   */
  elicit<S extends McpFormSchema>(input: { message: string; schema: S }): Promise<McpFormAnswer<McpFormContent<S>>>;
  /** Sends the user to a page in their browser and resolves when they come back (or refuse). */
  elicitUrl(input: { message: string; url: string }): Promise<McpUrlAnswer>;
  /** Asks the client's model for a completion (sampling). */
  sample(params: CreateMessageRequestParams): Promise<CreateMessageResult | CreateMessageResultWithTools>;
  /** Asks the client for its roots. */
  listRoots(): Promise<Root[]>;
  /**
   * Asks for several things at once (one round on 2026-07-28), each under its key; resolves with
   * the answers under the same keys.
   */
  ask<T extends Record<string, McpInput>>(inputs: T): Promise<McpAnswers<T>>;
}
