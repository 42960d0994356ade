import { ProtocolError, ProtocolErrorCode, inputRequired, isSpecType } from '@modelcontextprotocol/server';
import type { ClientCapabilities, InputRequest, JsonSchemaType, StandardSchemaV1, jsonSchemaValidator } from '@modelcontextprotocol/server';
import type { McpFormInput, McpInput } from './mcp-input.js';

/** One thing asked, ready for the wire: the input, and the embedded request a client sees. */
export interface AskedInput {
  readonly key: string;
  readonly input: McpInput;
  readonly request: InputRequest;
}

/** The keys single asks go under (`ctx.elicit()`, `ctx.sample()`, ...). */
export const SINGLE_ASK_KEYS: Readonly<Record<McpInput['kind'], string>> = {
  form: 'elicitation',
  url: 'url',
  sampling: 'sampling',
  roots: 'roots',
};

/**
 * The inputs of one ask as wire requests, in key order. A form's schema is converted to the
 * restricted elicitation schema here (the SDK's converter: a schema it cannot express is a
 * `TypeError`, a mistake in the method, before anything is sent).
 */
export function askedInputs(inputs: Record<string, McpInput>): AskedInput[] {
  if (typeof inputs !== 'object' || inputs === null)
    throw new TypeError('ctx.ask() takes an object of inputs, e.g. { confirm: McpInput.form(...) }');
  const keys = Object.keys(inputs);
  if (keys.length === 0) throw new TypeError('ctx.ask() needs at least one input');
  return keys.map((key) => ({ key, input: inputs[key], request: requestOf(key, inputs[key]) }));
}

function requestOf(key: string, input: McpInput): InputRequest {
  switch (input?.kind) {
    case 'form':
      return inputRequired.elicit({ message: input.message, requestedSchema: input.schema });
    case 'url':
      if (typeof input.url !== 'string' || !URL.canParse(input.url)) throw new TypeError(`input "${key}": url must be an absolute URL`);
      return inputRequired.elicitUrl({ message: input.message, url: input.url });
    case 'sampling':
      return inputRequired.createMessage(input.params);
    case 'roots':
      return inputRequired.listRoots();
    default:
      throw new TypeError(`input "${key}" is not an McpInput (build it with McpInput.form(), .url(), .sampling() or .roots())`);
  }
}

/** The capability a client must declare for an input, as `-32021`'s `requiredCapabilities` names it. */
export function requiredCapability(input: McpInput): ClientCapabilities {
  switch (input.kind) {
    case 'form':
      return { elicitation: { form: {} } };
    case 'url':
      return { elicitation: { url: {} } };
    case 'sampling':
      return { sampling: {} };
    case 'roots':
      return { roots: {} };
  }
}

/**
 * Whether `declared` covers the input. A bare `elicitation: {}` is form support, as
 * clients that predate URL mode declare it (the specification's backwards-compatible reading).
 */
export function declares(declared: ClientCapabilities | undefined, input: McpInput): boolean {
  const elicitation = declared?.elicitation as { form?: object; url?: object } | undefined;
  switch (input.kind) {
    case 'form':
      return elicitation !== undefined && (elicitation.form !== undefined || elicitation.url === undefined);
    case 'url':
      return elicitation?.url !== undefined;
    case 'sampling':
      return declared?.sampling !== undefined;
    case 'roots':
      return declared?.roots !== undefined;
  }
}

/**
 * The method's answer from the client's response to `asked`, or undefined when the response
 * is not an answer of that kind (missing, or some other shape): the question is then asked
 * again. An accepted form whose content does not match its schema is refused with -32602:
 * the client answered, wrongly.
 */
export async function answerOf(asked: AskedInput, response: unknown, validator: jsonSchemaValidator): Promise<unknown> {
  const { input, key } = asked;
  switch (input.kind) {
    case 'form': {
      if (!isSpecType.ElicitResult(response)) return undefined;
      if (response.action !== 'accept') return { action: response.action };
      return { action: 'accept', content: await checkedContent(input, key, response.content ?? {}, asked.request, validator) };
    }
    case 'url':
      return isSpecType.ElicitResult(response) ? { action: response.action } : undefined;
    case 'sampling':
      return isSpecType.CreateMessageResult(response) || isSpecType.CreateMessageResultWithTools(response) ? response : undefined;
    case 'roots':
      return isSpecType.ListRootsResult(response) ? response.roots : undefined;
  }
}

/** A form's content, checked against its schema: the Standard Schema's output, or the content as the JSON Schema accepts it. */
async function checkedContent(
  input: McpFormInput,
  key: string,
  content: unknown,
  request: InputRequest,
  validator: jsonSchemaValidator,
): Promise<unknown> {
  const schema = input.schema as Partial<StandardSchemaV1>;
  if (schema['~standard'] !== undefined) {
    const result = await schema['~standard'].validate(content);
    if (result.issues) throw invalidAnswer(key, result.issues.map((issue) => issue.message).join('; '));
    return result.value;
  }
  const requestedSchema = (request.params as { requestedSchema: JsonSchemaType }).requestedSchema;
  const checked = validator.getValidator(requestedSchema)(content);
  if (!checked.valid) throw invalidAnswer(key, checked.errorMessage);
  return checked.data;
}

function invalidAnswer(key: string, why: string): ProtocolError {
  return new ProtocolError(ProtocolErrorCode.InvalidParams, `The answer to "${key}" does not match what was asked: ${why}`);
}
