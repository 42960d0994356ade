import { DownstreamConsentRequiredError, DownstreamTokenError } from './downstream-token.error.js';
import type { DownstreamTokenRequest } from './downstream-token.js';
import type { ResolvedDownstream } from './downstream.options.js';

/** An OAuth token error response (RFC 6749 §5.2), with Entra's additions. */
export interface TokenErrorResponse {
  error?: unknown;
  error_description?: unknown;
  error_uri?: unknown;
  /** Entra: the AADSTS numbers, e.g. `[65001]`. */
  error_codes?: unknown;
  /** Entra: `consent_required`, `basic_action`, `user_password_expired`, … */
  suberror?: unknown;
  /** Entra: the claims challenge a new sign-in must satisfy (conditional access). */
  claims?: unknown;
}

/** Entra's AADSTS numbers that mean "consent is missing". */
const ENTRA_CONSENT_CODES = new Set([65001, 65004, 90094, 90008]);
/** Entra's AADSTS numbers that mean "the user must sign in again" (MFA, conditional access, password). */
const ENTRA_INTERACTION_CODES = new Set([50076, 50079, 50158, 53003, 50055, 50173, 70043, 700082]);

/** What the error says about the target, in the caller's words: the audience or resource the tool asked for. */
export function targetOf(request: DownstreamTokenRequest): string {
  return request.audience ?? request.resource ?? request.scopes?.join(' ') ?? 'the downstream API';
}

/**
 * The tool error for an identity provider's refusal, saying what to do. The provider's own
 * description is quoted bounded and on one line (it is the provider's text, not the caller's).
 */
export function refusalError(
  status: number,
  answer: TokenErrorResponse,
  request: DownstreamTokenRequest,
  scopes: readonly string[],
  config: ResolvedDownstream,
): DownstreamTokenError {
  const error = typeof answer.error === 'string' ? answer.error.slice(0, 64) : `http_${status}`;
  const codes = Array.isArray(answer.error_codes) ? answer.error_codes.filter((code): code is number => typeof code === 'number') : [];
  const suberror = typeof answer.suberror === 'string' ? answer.suberror : undefined;
  const providerError = codes.length > 0 ? `${error} (AADSTS${codes[0]})` : error;
  const said = quoted(answer.error_description);
  const target = targetOf(request);

  const consent = error === 'consent_required' || suberror === 'consent_required' || codes.some((code) => ENTRA_CONSENT_CODES.has(code));
  if (consent) {
    const url = consentUrlOf(answer, request, scopes, config);
    return new DownstreamConsentRequiredError(
      'consent_required',
      `Calling ${target} needs consent that has not been granted yet (${providerError}${said}). ` +
        (url
          ? `Open ${url} to grant it (an administrator may have to), then call the tool again.`
          : 'Ask an administrator to grant this server the permission, then call the tool again.'),
      url,
      undefined,
      providerError,
    );
  }
  const claims = typeof answer.claims === 'string' ? answer.claims : undefined;
  if (error === 'interaction_required' || claims !== undefined || codes.some((code) => ENTRA_INTERACTION_CODES.has(code))) {
    return new DownstreamConsentRequiredError(
      'interaction_required',
      `The identity provider wants you to sign in again before ${target} can be called (${providerError}${said}), ` +
        'e.g. for multi-factor authentication or an access policy: sign out of this server in your MCP client, sign in again, then call the tool again.',
      consentUrlOf(answer, request, scopes, config),
      claims,
      providerError,
    );
  }
  if (error === 'invalid_client' || error === 'unauthorized_client' || status === 401) {
    return new DownstreamTokenError(
      'invalid_client',
      `The identity provider refused this server's own credentials for token exchange (${providerError}${said}): ` +
        "an administrator must check the issuer's downstream client configuration (client id, secret or key, token exchange allowed for that client).",
      providerError,
    );
  }
  if (error === 'invalid_scope' || error === 'invalid_target' || error === 'access_denied') {
    return new DownstreamTokenError(
      'invalid_scope',
      `The identity provider will not issue a token for ${target}${scopes.length ? ` with ${scopes.join(' ')}` : ''} ` +
        `to this server for you (${providerError}${said}): you (or this server's client) may not hold that permission; ask an administrator.`,
      providerError,
    );
  }
  if (error === 'invalid_grant' || error === 'invalid_request' || error === 'unsupported_grant_type') {
    return new DownstreamTokenError(
      'invalid_grant',
      `The identity provider refused to exchange your access token for one for ${target} (${providerError}${said}). ` +
        'Sign in again and call the tool again; if it persists, token exchange is not set up for this server at the identity provider.',
      providerError,
    );
  }
  return new DownstreamTokenError(
    'unavailable',
    `The identity provider could not issue a token for ${target} (${providerError}${said}): try again later.`,
    providerError,
  );
}

/** Where consent is granted: the configured URL (or function of the request, with scopes as sent), else the provider's `error_uri`. */
function consentUrlOf(
  answer: TokenErrorResponse,
  request: DownstreamTokenRequest,
  scopes: readonly string[],
  config: ResolvedDownstream,
): string | undefined {
  const configured = config.consentUrl;
  const url =
    typeof configured === 'function'
      ? configured({ audience: request.audience, resource: request.resource, scopes })
      : (configured ?? (typeof answer.error_uri === 'string' ? answer.error_uri : undefined));
  return url !== undefined && /^https?:\/\/[^\s"]+$/.test(url) ? url : undefined;
}

/** At most 200 characters of the provider's description, on one line, or nothing. */
function quoted(description: unknown): string {
  if (typeof description !== 'string' || description.trim() === '') return '';
  // Control characters (line breaks included) become spaces: the text ends up in one line of a tool error.
  const line = [...description]
    .map((char) => (char < ' ' || char === '\u007f' ? ' ' : char))
    .join('')
    .replace(/ {2,}/g, ' ')
    .trim();
  return `: ${line.length > 200 ? `${line.slice(0, 200)}…` : line}`;
}
