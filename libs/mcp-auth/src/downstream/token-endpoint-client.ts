import { ResponseTooLargeError, readBoundedText } from '../authentication/bounded-response-body.js';
import { ClientAuthentication } from './client-authentication.js';
import { DownstreamTokenError } from './downstream-token.error.js';
import type { DownstreamTokenRequest } from './downstream-token.js';
import type { ResolvedDownstream } from './downstream.options.js';
import { refusalError, targetOf } from './token-endpoint-answer.js';
import type { TokenErrorResponse } from './token-endpoint-answer.js';

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** A token answer is a few kilobytes; anything larger is not one. */
const MAX_TOKEN_RESPONSE_BYTES = 64 * 1024;

/** A successful token response, checked: what the cache and the ceiling need. */
export interface IssuedToken {
  readonly accessToken: string;
  readonly tokenType: string;
  /** Seconds, when the provider said. */
  readonly expiresIn?: number;
  /** The response's `scope`, when it has one. */
  readonly scope?: string;
}

/**
 * Asks one issuer's token endpoint for a downstream token, in that issuer's form
 * (RFC 8693 token exchange or Entra's on-behalf-of), authenticated as this server's client.
 * Answers are read bounded; a refusal becomes a {@link DownstreamTokenError} that says what to do.
 */
export class TokenEndpointClient {
  private readonly authentication: ClientAuthentication;

  constructor(private readonly config: ResolvedDownstream) {
    this.authentication = new ClientAuthentication(config);
  }

  async exchange(
    tokenEndpoint: string,
    subjectToken: string,
    request: DownstreamTokenRequest,
    scopes: readonly string[],
  ): Promise<IssuedToken> {
    const body = this.form(subjectToken, request, scopes);
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    await this.authentication.apply(headers, body, tokenEndpoint);
    const { timeoutMs } = this.config;
    let response: Response;
    let text: string;
    try {
      response = await fetch(tokenEndpoint, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
      text = await readBoundedText(response, MAX_TOKEN_RESPONSE_BYTES);
    } catch (error) {
      const reason =
        (error as Error).name === 'TimeoutError'
          ? `no answer within ${timeoutMs} ms`
          : error instanceof ResponseTooLargeError
            ? `an answer ${error.message}`
            : 'the connection failed';
      throw new DownstreamTokenError(
        'unavailable',
        `The identity provider's token endpoint could not be reached for ${targetOf(request)} (${reason}): try again later.`,
      );
    }
    const json = parseObject(text);
    if (!response.ok) {
      if (!json) {
        throw new DownstreamTokenError(
          'unavailable',
          `The identity provider's token endpoint answered HTTP ${response.status} for ${targetOf(request)}: try again later.`,
        );
      }
      throw refusalError(response.status, json as TokenErrorResponse, request, scopes, this.config);
    }
    return this.issued(json, request);
  }

  /** The form of the provider's flow. The caller's token is the subject (RFC 8693) or the assertion (Entra): never sent anywhere else. */
  private form(subjectToken: string, request: DownstreamTokenRequest, scopes: readonly string[]): URLSearchParams {
    const body = new URLSearchParams(this.config.parameters);
    if (this.config.flow === 'entra-on-behalf-of') {
      body.set('grant_type', JWT_BEARER_GRANT);
      body.set('assertion', subjectToken);
      body.set('requested_token_use', 'on_behalf_of');
      body.set('scope', scopes.join(' '));
      return body;
    }
    body.set('grant_type', TOKEN_EXCHANGE_GRANT);
    body.set('subject_token', subjectToken);
    body.set('subject_token_type', this.config.subjectTokenType);
    body.set('requested_token_type', ACCESS_TOKEN_TYPE);
    if (request.audience !== undefined) body.set('audience', request.audience);
    if (request.resource !== undefined) body.set('resource', request.resource);
    if (scopes.length > 0) body.set('scope', scopes.join(' '));
    return body;
  }

  private issued(json: Record<string, unknown> | undefined, request: DownstreamTokenRequest): IssuedToken {
    const invalid = (problem: string) =>
      new DownstreamTokenError(
        'invalid_response',
        `The identity provider's answer for ${targetOf(request)} is not a usable token (${problem}): an administrator must check the downstream configuration.`,
      );
    if (!json) throw invalid('not a JSON object');
    const { access_token: accessToken, token_type: tokenType, expires_in: expiresIn, scope, issued_token_type: issuedType } = json;
    if (typeof accessToken !== 'string' || accessToken === '') throw invalid('no access_token');
    if (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer')
      throw invalid(`token_type ${JSON.stringify(tokenType)}, not Bearer`);
    if (issuedType !== undefined && issuedType !== ACCESS_TOKEN_TYPE && issuedType !== JWT_TOKEN_TYPE) {
      throw invalid(`issued_token_type ${JSON.stringify(issuedType)}, not an access token`);
    }
    const seconds = typeof expiresIn === 'string' ? Number(expiresIn) : expiresIn;
    return {
      accessToken,
      tokenType: 'Bearer',
      expiresIn: typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? seconds : undefined,
      scope: typeof scope === 'string' ? scope : undefined,
    };
  }
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
