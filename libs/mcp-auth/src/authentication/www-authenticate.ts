/**
 * Builders for `WWW-Authenticate: Bearer ...` challenges (RFC 6750 §3, RFC 9728 §5.1).
 *
 * Every attribute value is forced into RFC 6750 §3's character set when the header is
 * built, whoever produced it: clients read these headers loosely (the official SDK takes
 * the first `resource_metadata=` and `scope=` it finds anywhere in the header), so a
 * value that could carry quotes, backslashes or a `name=value` pair of its own could
 * smuggle in parameters of someone else's choosing.
 */
export interface BearerChallenge {
  error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope';
  errorDescription?: string;
  scope?: readonly string[];
  resourceMetadata: string;
}

/** RFC 6750 §3: `error`, `error_description` (and here `resource_metadata`): %x20-21 / %x23-5B / %x5D-7E. */
const OUTSIDE_TEXT = /[^\x20\x21\x23-\x5B\x5D-\x7E]/g;
/** RFC 6750 §3 / RFC 6749 §3.3: one scope-token is %x21 / %x23-5B / %x5D-7E. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

export function formatBearerChallenge(challenge: BearerChallenge): string {
  const params: string[] = [];
  if (challenge.error) params.push(param('error', challenge.error));
  if (challenge.errorDescription) params.push(param('error_description', safeDescription(challenge.errorDescription)));
  const scopes = challenge.scope?.filter((scope) => SCOPE_TOKEN.test(scope)) ?? [];
  if (scopes.length > 0) params.push(param('scope', scopes.join(' ')));
  params.push(param('resource_metadata', challenge.resourceMetadata));
  return `Bearer ${params.join(', ')}`;
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
