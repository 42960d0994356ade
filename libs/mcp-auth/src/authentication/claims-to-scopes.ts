import type { JwtClaims } from './principal.js';

/** Maps a token's claims to the scopes (permissions) tools are checked against. */
export type ClaimsToScopes = (claims: JwtClaims) => string[];

/**
 * The default mapping: the space-separated `scope` string (RFC 9068, Keycloak),
 * `scp` as a string or list (Entra ID delegated tokens), plus roles from `roles`
 * (Entra app roles) and `realm_access.roles` (Keycloak realm roles).
 */
export const defaultClaimsToScopes: ClaimsToScopes = (claims) => {
  const scopes = new Set<string>();
  addAll(scopes, claims.scope);
  addAll(scopes, claims.scp);
  addAll(scopes, claims.roles);
  const realmAccess = claims.realm_access;
  if (isRecord(realmAccess)) addAll(scopes, realmAccess.roles);
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
  /** Also grant the realm roles (`realm_access.roles`). Default true. */
  realmRoles?: boolean;
  /** Also grant the roles of this client (`resource_access.<clientId>.roles`). */
  clientId?: string;
}

/** Keycloak: `scope`, plus realm roles and (for `clientId`) that client's roles. */
export function keycloakClaimsToScopes(options: KeycloakClaimsOptions = {}): ClaimsToScopes {
  const realmRoles = options.realmRoles ?? true;
  return (claims) => {
    const scopes = new Set<string>();
    addAll(scopes, claims.scope);
    if (realmRoles && isRecord(claims.realm_access)) addAll(scopes, claims.realm_access.roles);
    if (options.clientId && isRecord(claims.resource_access)) {
      const client = claims.resource_access[options.clientId];
      if (isRecord(client)) addAll(scopes, client.roles);
    }
    return [...scopes];
  };
}

/** Microsoft Entra ID: delegated permissions from `scp`, application permissions (app roles) from `roles`. */
export const entraClaimsToScopes: ClaimsToScopes = (claims) => {
  const scopes = new Set<string>();
  addAll(scopes, claims.scp);
  addAll(scopes, claims.roles);
  return [...scopes];
};
