import { decodeUnverifiedJwt } from '../authentication/jwt-header.js';

/** Scopes that describe the user's sign-in, not access to an API: never counted against the ceiling. */
const IDENTITY_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access', 'address', 'phone']);

/**
 * The scopes of an issued downstream token that exceed what was asked for, or an empty list.
 *
 * `granted` comes from the token response's `scope`; when the response names none (RFC 8693
 * allows that when it equals the request), the token's own `scope`/`scp` claims are read if it
 * is a JWT (unverified: this server restrains itself, it is not the token's audience).
 * Nothing asked for means the API's defaults were asked for: there is no ceiling then.
 * A scope counts as asked in its short form or prefixed with the API (`api://inventory/Stock.Read`
 * is `Stock.Read` of `api://inventory`), and every scope of the API counts when `<api>/.default`
 * was asked (Entra's "everything consented"). Sign-in scopes (`openid`, `profile`, …) never count.
 */
export function scopesBeyondRequest(
  requested: readonly string[],
  grantedInResponse: string | undefined,
  accessToken: string,
  api: string | undefined,
): string[] {
  if (requested.length === 0) return [];
  const granted = grantedInResponse !== undefined ? splitScopes(grantedInResponse) : scopesInToken(accessToken);
  const asked = new Set(requested);
  const prefix = api ? `${api.replace(/\/+$/, '')}/` : undefined;
  const everythingOfApi = prefix !== undefined && asked.has(`${prefix}.default`);
  return granted.filter((scope) => {
    if (IDENTITY_SCOPES.has(scope) || asked.has(scope)) return false;
    if (prefix === undefined) return true;
    if (asked.has(`${prefix}${scope}`)) return false;
    if (scope.startsWith(prefix)) return !(everythingOfApi || asked.has(scope.slice(prefix.length)));
    return !everythingOfApi || scope.includes('/');
  });
}

export function splitScopes(scope: string): string[] {
  return scope.split(' ').filter(Boolean);
}

function scopesInToken(accessToken: string): string[] {
  const claims = decodeUnverifiedJwt(accessToken)?.claims;
  if (!claims) return [];
  const value = claims.scope ?? claims.scp;
  if (typeof value === 'string') return splitScopes(value);
  return Array.isArray(value) ? value.filter((scope): scope is string => typeof scope === 'string') : [];
}
