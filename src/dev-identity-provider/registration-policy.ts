import { errors } from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';

/** What open registration may ask for: the code flow (with PKCE, required of every client) and refresh tokens. */
const OPEN_GRANT_TYPES = new Set(['authorization_code', 'refresh_token']);

/**
 * Open dynamic client registration (RFC 7591, no initial access token) registers what the
 * README promises and nothing more: public native clients (RFC 8252: `application_type`
 * `native`, `token_endpoint_auth_method` `none`) using the authorization code flow, whose
 * redirect URIs are loopback `http` URIs. A registration listing other redirect URIs beside
 * loopback ones is registered with the loopback ones only (RFC 7591 §2 lets the server replace
 * what a client asked for); one with none, a confidential client, a client-credentials client
 * (which would obtain every scope of the resource with no user) or a web client is refused
 * with 400. The demo clients come from configuration and client ID metadata documents from
 * their URL: this is for registrations only (`ctx` is that request's).
 *
 * Called with the metadata of a client being registered, before `oidc-provider` validates it
 * (its `extraClientMetadata.validator`); throws the refusal.
 */
export function restrictOpenRegistration(ctx: KoaContextWithOIDC | undefined, metadata: Record<string, unknown>): void {
  if (ctx?.oidc?.route !== 'registration') return;
  if (metadata.token_endpoint_auth_method !== 'none') {
    throw new errors.InvalidClientMetadata('only public clients may register here: token_endpoint_auth_method must be none');
  }
  if (metadata.application_type !== 'native') {
    throw new errors.InvalidClientMetadata('only native clients (RFC 8252) with loopback redirect URIs may register here');
  }
  const grantTypes = Array.isArray(metadata.grant_types) ? metadata.grant_types : [];
  if (!grantTypes.includes('authorization_code') || grantTypes.some((grant) => !OPEN_GRANT_TYPES.has(grant as string))) {
    throw new errors.InvalidClientMetadata('grant_types may only be authorization_code and refresh_token here');
  }
  const responseTypes = Array.isArray(metadata.response_types) ? metadata.response_types : [];
  if (responseTypes.length !== 1 || responseTypes[0] !== 'code') {
    throw new errors.InvalidClientMetadata('response_types must be ["code"] here');
  }
  const redirectUris = Array.isArray(metadata.redirect_uris) ? metadata.redirect_uris : [];
  const loopback = redirectUris.filter(isLoopbackRedirectUri);
  if (loopback.length === 0) {
    // A description starting with "redirect_uris" makes it RFC 7591's invalid_redirect_uri.
    throw new errors.InvalidClientMetadata(
      'redirect_uris must include a loopback http URI (http://127.0.0.1, http://[::1] or http://localhost)',
    );
  }
  metadata.redirect_uris = loopback;
}

/** `http://127.0.0.1…`, `http://[::1]…` or `http://localhost…` (RFC 8252 §7.3; `localhost` as the MCP clients use it). */
function isLoopbackRedirectUri(uri: unknown): boolean {
  if (typeof uri !== 'string') return false;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return false;
  }
  return url.protocol === 'http:' && ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
}
