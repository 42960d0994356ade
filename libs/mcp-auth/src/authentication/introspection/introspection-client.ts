import { ResponseTooLargeError, readBoundedText } from '../bounded-response-body.js';
import type { JwtClaims } from '../principal.js';
import type { ResolvedIntrospection } from './introspection.options.js';

/** An introspection answer larger than this is not one (they are a few hundred bytes). */
export const MAX_INTROSPECTION_RESPONSE_BYTES = 64 * 1024;

/** An RFC 7662 §2.2 response: `active`, and for an active token its claims. */
export interface IntrospectionResponse extends JwtClaims {
  active: boolean;
  scope?: string;
  client_id?: string;
  token_type?: string;
}

/** The endpoint could not give an answer (network, status, body); the token stays unverified. */
export class IntrospectionUnavailableError extends Error {
  override readonly name = 'IntrospectionUnavailableError';
}

/**
 * Asks the introspection endpoint about a token, authenticating as this resource
 * server's client. Only `active: true` with an object body counts as active.
 */
export async function introspectToken(config: ResolvedIntrospection, token: string): Promise<IntrospectionResponse> {
  const body = new URLSearchParams({ token, token_type_hint: 'access_token' });
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (config.clientAuthMethod === 'client_secret_post') {
    body.set('client_id', config.clientId);
    body.set('client_secret', config.clientSecret);
  } else {
    // RFC 6749 §2.3.1: both parts form-encoded before base64.
    headers.authorization = `Basic ${Buffer.from(`${formEncode(config.clientId)}:${formEncode(config.clientSecret)}`).toString('base64')}`;
  }
  let response: Response;
  try {
    response = await fetch(config.endpoint, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(config.timeoutMs),
      redirect: 'error',
    });
  } catch (error) {
    throw new IntrospectionUnavailableError(
      `introspection request failed: ${(error as Error).name === 'TimeoutError' ? `no answer within ${config.timeoutMs} ms` : (error as Error).message}`,
    );
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new IntrospectionUnavailableError(`introspection endpoint answered HTTP ${response.status}`);
  }
  let json: unknown;
  try {
    // Bounded while reading: an oversized answer is cut off, never buffered whole.
    json = JSON.parse(await readBoundedText(response, MAX_INTROSPECTION_RESPONSE_BYTES));
  } catch (error) {
    if (error instanceof ResponseTooLargeError) throw new IntrospectionUnavailableError(`introspection response is ${error.message}`);
    if ((error as Error).name === 'TimeoutError')
      throw new IntrospectionUnavailableError(`introspection request failed: no answer within ${config.timeoutMs} ms`);
    throw new IntrospectionUnavailableError('introspection endpoint did not return JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new IntrospectionUnavailableError('introspection response is not a JSON object');
  const result = json as Partial<IntrospectionResponse>;
  return { ...result, active: result.active === true };
}

function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+');
}
