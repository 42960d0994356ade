/**
 * Builders for `WWW-Authenticate: Bearer ...` challenges (RFC 6750 §3, RFC 9728 §5.1), and
 * `DPoP ...` ones beside or instead of them (RFC 9449 §7.1).
 *
 * Every attribute value is forced into RFC 6750 §3's character set when the header is
 * built, whoever produced it: clients read these headers loosely (the official SDK takes
 * the first `resource_metadata=` and `scope=` it finds anywhere in the header), so a
 * value that could carry quotes, backslashes or a `name=value` pair of its own could
 * smuggle in parameters of someone else's choosing.
 */
export interface BearerChallenge {
  error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'invalid_dpop_proof' | 'use_dpop_nonce';
  errorDescription?: string;
  scope?: readonly string[];
  resourceMetadata: string;
}

/** RFC 6750 §3: `error`, `error_description` (and here `resource_metadata`): %x20-21 / %x23-5B / %x5D-7E. */
const OUTSIDE_TEXT = /[^\x20\x21\x23-\x5B\x5D-\x7E]/g;
/** RFC 6750 §3 / RFC 6749 §3.3: one scope-token is %x21 / %x23-5B / %x5D-7E. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** An authentication scheme the endpoint accepts, as a challenge names it. */
export type AuthScheme = 'Bearer' | 'DPoP';

/** One scheme of a challenge; `DPoP` lists the proof algorithms it accepts (RFC 9449 §7.1 `algs`). */
export interface SchemeChallenge {
  readonly scheme: AuthScheme;
  readonly algs?: readonly string[];
}

/** The challenge of a server that accepts `Bearer` only. */
export const BEARER_ONLY: readonly SchemeChallenge[] = [{ scheme: 'Bearer' }];

/** A `Bearer` challenge alone. */
export function formatBearerChallenge(challenge: BearerChallenge): string {
  return formatChallenges(challenge, BEARER_ONLY);
}

/**
 * One challenge per accepted scheme, in one header (RFC 9110 §11.6.1). The first carries the
 * `error` and its description (put the scheme the client used first: loose parsers take the
 * first `error=` they meet); each carries the `scope` hint and `resource_metadata`, and `DPoP`
 * its `algs`, so a client reading only its own scheme finds everything.
 */
export function formatChallenges(challenge: BearerChallenge, schemes: readonly SchemeChallenge[]): string {
  const scopes = challenge.scope?.filter((scope) => SCOPE_TOKEN.test(scope)) ?? [];
  return schemes
    .map(({ scheme, algs }, index) => {
      const params: string[] = [];
      if (index === 0 && challenge.error) params.push(param('error', challenge.error));
      if (index === 0 && challenge.errorDescription) params.push(param('error_description', safeDescription(challenge.errorDescription)));
      if (scopes.length > 0) params.push(param('scope', scopes.join(' ')));
      params.push(param('resource_metadata', challenge.resourceMetadata));
      const algorithms = algs?.filter((alg) => SCOPE_TOKEN.test(alg)) ?? [];
      if (algorithms.length > 0) params.push(param('algs', algorithms.join(' ')));
      return `${scheme} ${params.join(', ')}`;
    })
    .join(', ');
}

function param(name: string, value: string): string {
  return `${name}="${quote(value)}"`;
}

/**
 * A human-readable description, reduced to what can never be read as another parameter:
 * RFC 6750's set without `=` (so no `name=value` pair can appear in it), double quotes
 * turned into single ones.
 */
export function safeDescription(description: string): string {
  return description.replace(/"/g, "'").replace(/=/g, ' ').replace(OUTSIDE_TEXT, '');
}

/** A value inside RFC 6750 §3's character set: characters outside it (quotes, backslashes, controls, non-ASCII) are dropped. */
export function quote(value: string): string {
  return value.replace(OUTSIDE_TEXT, '');
}
