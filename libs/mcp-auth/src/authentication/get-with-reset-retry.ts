/**
 * Attempts at a GET to the identity provider (discovery, JWKS), all within the caller's one
 * deadline. Only a connection reset is tried again: `fetch` (undici) sends a request on a
 * pooled keep-alive connection that the provider may be closing at that moment, and a GET that
 * never got an answer is safe to send again. Anything else (refused, an HTTP status, no answer
 * in time) is the provider's answer, reported at once. Written here because `fetch` has no
 * retry of its own and the module needs none beyond this one case.
 */
const ATTEMPTS = 3;
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

/** `fetch(url, { method: 'GET', signal, headers })`, sent again (up to three attempts) after a connection reset. */
export async function getWithResetRetry(url: string, signal: AbortSignal, headers: Record<string, string>): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url, { signal, headers });
    } catch (error) {
      if (attempt >= ATTEMPTS || signal.aborted || !isConnectionReset(error)) throw error;
    }
  }
}

function isConnectionReset(error: unknown): boolean {
  const code = (error as { cause?: { code?: unknown } }).cause?.code;
  return typeof code === 'string' && RESET_CODES.has(code);
}
