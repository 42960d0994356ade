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
