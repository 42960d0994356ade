import { McpAuthConfigurationError } from '../mcp-auth-configuration.error.js';
import type { JwtClaims } from './principal.js';

/** Maps a token's claims to the scopes (permissions) tools are checked against. */
export type ClaimsToScopes = (claims: JwtClaims) => string[];

/**
 * When the roles a token carries count as permissions:
 * - `'app-only'` (default): only for app-only tokens, those without a scope claim
 *   (client credentials: the application acts for itself, its roles are all it has).
 *   A delegated token (with `scope`/`scp`) is limited to the scopes the user consented to
 *   for that client: the user's roles never widen it.
 * - `'always'`: roles count for delegated tokens too. Every client the user signs in to
 *   then gets the user's roles, whatever scopes it was granted: no 403, no step-up, no
 *   consent. Opt in only when every client of the issuer is trusted with the user's roles.
 */
export type RolesAsScopes = 'app-only' | 'always';

/**
 * The default mapping: the space-separated `scope` string (RFC 9068, Keycloak) and `scp`
 * as a string or list (Entra ID delegated tokens). Roles (`roles`, Entra app roles;
 * `realm_access.roles`, Keycloak realm roles) count only for app-only tokens, which have
 * neither `scope` nor `scp` (see {@link RolesAsScopes}).
 */
export const defaultClaimsToScopes: ClaimsToScopes = (claims) => {
  const scopes = new Set<string>();
  addAll(scopes, claims.scope);
  addAll(scopes, claims.scp);
  if (claims.scope === undefined && claims.scp === undefined) {
    addAll(scopes, claims.roles);
    if (isRecord(claims.realm_access)) addAll(scopes, claims.realm_access.roles);
  }
  return [...scopes];
};

/** Adds scopes from a space-separated string or a list of strings; anything else is ignored. */
export function addAll(into: Set<string>, value: unknown): void {
  if (typeof value === 'string') {
    for (const scope of value.split(' ')) if (scope) into.add(scope);
  } else if (Array.isArray(value)) {
    for (const scope of value) if (typeof scope === 'string' && scope) into.add(scope);
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface KeycloakClaimsOptions {
  /** Count realm roles (`realm_access.roles`), as {@link rolesAsScopes} allows. Default true. */
  realmRoles?: boolean;
  /** Count the roles of this client (`resource_access.<clientId>.roles`), as {@link rolesAsScopes} allows. */
  clientId?: string;
  /** When roles count: `'app-only'` (default, tokens without `scope`) or `'always'` (see {@link RolesAsScopes}). */
  rolesAsScopes?: RolesAsScopes;
}

/**
 * Keycloak: `scope`; realm roles and (for `clientId`) that client's roles only for tokens
 * without a `scope` claim, unless `rolesAsScopes: 'always'`.
 */
export function keycloakClaimsToScopes(options: KeycloakClaimsOptions = {}): ClaimsToScopes {
  const realmRoles = options.realmRoles ?? true;
  const always = options.rolesAsScopes === 'always';
  return (claims) => {
    const scopes = new Set<string>();
    addAll(scopes, claims.scope);
    if (!always && claims.scope !== undefined) return [...scopes];
    if (realmRoles && isRecord(claims.realm_access)) addAll(scopes, claims.realm_access.roles);
    if (options.clientId && isRecord(claims.resource_access)) {
      const client = claims.resource_access[options.clientId];
      if (isRecord(client)) addAll(scopes, client.roles);
    }
    return [...scopes];
  };
}

/**
 * Microsoft Entra ID: delegated permissions from `scp`; application permissions (app roles)
 * from `roles` for app-only tokens (no `scp`). The app roles assigned to a user do not
 * widen a delegated token (see {@link RolesAsScopes}; the `entra()` preset can opt in).
 */
export const entraClaimsToScopes: ClaimsToScopes = (claims) => {
  const scopes = new Set<string>();
  addAll(scopes, claims.scp);
  if (claims.scp === undefined) addAll(scopes, claims.roles);
  return [...scopes];
};

/** Entra with `rolesAsScopes: 'always'`: `scp` and `roles` for every token. */
export const entraClaimsToScopesWithUserRoles: ClaimsToScopes = (claims) => {
  const scopes = new Set<string>();
  addAll(scopes, claims.scp);
  addAll(scopes, claims.roles);
  return [...scopes];
};

/** Checks a `rolesAsScopes` option at startup. */
export function rolesAsScopesOption(option: string, value: unknown): RolesAsScopes {
  if (value === undefined) return 'app-only';
  if (value !== 'app-only' && value !== 'always') {
    throw new McpAuthConfigurationError(option, `must be 'app-only' or 'always' (got ${JSON.stringify(value)})`);
  }
  return value;
}

/** Okta (custom authorization servers): the granted scopes are the `scp` list; groups and roles never count. */
export const oktaClaimsToScopes: ClaimsToScopes = (claims) => {
  const scopes = new Set<string>();
  addAll(scopes, claims.scp);
  return [...scopes];
};

/**
 * Auth0: the `scope` string; the API's RBAC `permissions` list (Auth0's "Add Permissions in the
 * Access Token") only for tokens without `scope` unless `'always'`: a user's permissions
 * are not what the client asked for and the user consented to (see {@link RolesAsScopes}).
 */
export function auth0ClaimsToScopes(permissionsAsScopes: RolesAsScopes = 'app-only'): ClaimsToScopes {
  return (claims) => {
    const scopes = new Set<string>();
    addAll(scopes, claims.scope);
    if (permissionsAsScopes === 'always' || claims.scope === undefined) addAll(scopes, claims.permissions);
    return [...scopes];
  };
}
