/**
 * The most bytes the params of a legacy `initialize` may take, serialized. A session
 * keeps the client's capabilities and client info for its whole life, and a small JSON
 * text of many tiny objects costs about twenty times its size in heap: this bounds what
 * an idle session holds in bytes (the session limits bound how many there are), about
 * 70 KB at worst against some 30 KB for an ordinary client's. Real clients send a few
 * hundred bytes.
 */
export const MAX_INITIALIZE_PARAMS_BYTES = 2048;

/**
 * Why this POST body's `initialize` is refused (its params are larger than
 * {@link MAX_INITIALIZE_PARAMS_BYTES}), or undefined when it is not an `initialize` or is small enough.
 */
export function oversizedInitialize(body: unknown): string | undefined {
  for (const message of Array.isArray(body) ? body : [body]) {
    if (typeof message !== 'object' || message === null || (message as { method?: unknown }).method !== 'initialize') continue;
    const params = (message as { params?: unknown }).params;
    const size = params === undefined ? 0 : Buffer.byteLength(JSON.stringify(params));
    if (size > MAX_INITIALIZE_PARAMS_BYTES) {
      return `Invalid params: initialize params (capabilities, clientInfo) take ${size} bytes, more than the ${MAX_INITIALIZE_PARAMS_BYTES} bytes this server keeps for a session`;
    }
  }
  return undefined;
}
