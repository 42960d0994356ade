/**
 * Builders for `WWW-Authenticate: Bearer ...` challenges (RFC 6750 §3, RFC 9728 §5.1).
 * Attribute values are quoted strings: `"` and `\` are escaped, control characters dropped.
 */
export interface BearerChallenge {
  error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope';
  errorDescription?: string;
  scope?: readonly string[];
  resourceMetadata: string;
}

export function formatBearerChallenge(challenge: BearerChallenge): string {
  const params: string[] = [];
  if (challenge.error) params.push(param('error', challenge.error));
  if (challenge.errorDescription) params.push(param('error_description', challenge.errorDescription));
  if (challenge.scope && challenge.scope.length > 0) params.push(param('scope', challenge.scope.join(' ')));
  params.push(param('resource_metadata', challenge.resourceMetadata));
  return `Bearer ${params.join(', ')}`;
}

function param(name: string, value: string): string {
  return `${name}="${quote(value)}"`;
}

/** Escapes a value for an RFC 9110 quoted-string; drops characters a header cannot carry. */
export function quote(value: string): string {
  return value.replace(/[^\x20-\x7E]/g, '').replace(/["\\]/g, '\\$&');
}
