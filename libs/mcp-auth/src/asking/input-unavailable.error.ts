/**
 * A call asked the client for input where none can be had: the client did not declare the
 * capability (a 2025 session), or the endpoint has no sessions to carry the question
 * (`stateless: true`). A tool answers with its message as a tool error; a resource or
 * prompt with -32600.
 */
export class McpInputUnavailableError extends Error {
  override readonly name = 'McpInputUnavailableError';
}

/** The message a stateless 2025 endpoint answers an ask with. */
export const STATELESS_ENDPOINT_CANNOT_ASK =
  'Input cannot be requested here: this endpoint serves 2025 clients without sessions (stateless), so it cannot send the client a request. ' +
  'Call it with protocol revision 2026-07-28, where the question comes back as an input_required result.';

/** The message an ask answers with inside a 2025 JSON-RPC batch answered as JSON (`jsonResponse: true`). */
export const BATCH_CANNOT_ASK =
  'Input cannot be requested inside a JSON-RPC batch answered as JSON: send the call on its own, where its answer can become a stream.';
