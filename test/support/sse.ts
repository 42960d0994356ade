/**
 * The JSON-RPC messages of an MCP answer, in order: every event of a server-sent-event
 * stream (`data:` lines), or the one JSON body of a plain answer. Reads the whole body.
 */
export async function messagesOf(response: Response): Promise<Array<Record<string, any>>> {
  const text = await response.text();
  if (!response.headers.get('content-type')?.startsWith('text/event-stream')) return text === '' ? [] : [JSON.parse(text)];
  return text
    .split('\n')
    .filter((line) => line.startsWith('data:'))
    .map((line) => JSON.parse(line.slice('data:'.length).trim()) as Record<string, any>);
}

/**
 * The JSON-RPC response of an MCP answer: the message with an `id` and a `result` or `error`, past any
 * notification a stream sent before it, or else the one JSON body (an HTTP error). Reads the whole body.
 */
export async function answerOf(response: Response): Promise<Record<string, any>> {
  const messages = await messagesOf(response);
  const answer = messages.find((message) => 'id' in message && ('result' in message || 'error' in message)) ?? messages.at(-1);
  if (answer === undefined) throw new Error(`The ${response.status} answer has no JSON-RPC message`);
  return answer;
}
