import { MCP_URL_ELICITATION } from '../asking/url-elicitation-required.js';
import type { McpUrlElicitationRequest } from '../asking/url-elicitation-required.js';
/**
 * Why no downstream token could be had. Stable codes to branch on; the message says what
 * to do and is what the caller sees as the tool's error (`isError: true`). Never carries a token.
 */
export type DownstreamTokenErrorCode =
  /** The caller's issuer has no `downstream` configuration (or the caller used an API key). */
  | 'not_configured'
  /** The tool's request was malformed (no audience/resource, bad scopes). */
  | 'invalid_request'
  /** The caller's own access token has expired: the client must get a new one. */
  | 'subject_token_expired'
  /** The user (or an administrator) must consent first: see {@link DownstreamConsentRequiredError}. */
  | 'consent_required'
  /** The user must sign in again (multi-factor authentication, a conditional access policy): see {@link DownstreamConsentRequiredError}. */
  | 'interaction_required'
  /** The identity provider refused the caller's token for the exchange. */
  | 'invalid_grant'
  /** The identity provider refused this server's own client credentials. */
  | 'invalid_client'
  /** The identity provider will not issue that audience, resource or those scopes to this server for this user. */
  | 'invalid_scope'
  /** The token issued carries more scope than asked for; it was discarded. */
  | 'excess_scope'
  /** The token endpoint could not be reached, timed out or failed. */
  | 'unavailable'
  /** The token endpoint's answer was not a usable token response. */
  | 'invalid_response';

/**
 * A downstream token could not be obtained. Thrown from `ctx.tokenFor()` /
 * `DownstreamTokens.tokenFor()`; a tool that lets it propagate answers `isError: true` with
 * the message, which says what to do.
 *
 * @example
 * ```ts
 * try { await ctx.tokenFor({ audience: 'inventory' }); }
 * catch (error) { if (error instanceof DownstreamTokenError && error.code === 'unavailable') return 'Inventory is unreachable, try later'; throw error; }
 * ```
 */
export class DownstreamTokenError extends Error {
  override readonly name: string = 'DownstreamTokenError';

  constructor(
    readonly code: DownstreamTokenErrorCode,
    message: string,
    /** The provider's own error code (`invalid_grant`, `AADSTS65001`, …), when there was an answer. */
    readonly providerError?: string,
  ) {
    super(message);
  }
}

/**
 * The identity provider wants the user (or an administrator) in the loop first: consent to the
 * downstream API's scopes, or a new sign-in that satisfies a policy (multi-factor authentication).
 * `consentUrl` is where consent is granted, when known; `claims` is Entra's claims challenge,
 * to pass to the client's next sign-in.
 */
export class DownstreamConsentRequiredError extends DownstreamTokenError {
  override readonly name = 'DownstreamConsentRequiredError';

  constructor(
    code: 'consent_required' | 'interaction_required',
    message: string,
    readonly consentUrl: string | undefined,
    readonly claims: string | undefined,
    providerError?: string,
  ) {
    super(code, message, providerError);
  }

  /**
   * The consent page as a URL elicitation (see `McpUrlElicitationRequired`): where the client
   * supports it, the user is asked to open it and the call runs again; elsewhere the tool error
   * names it. Nothing when the provider named no page, or wants the user to sign in again
   * (`interaction_required`: a consent page would not help).
   */
  get [MCP_URL_ELICITATION](): McpUrlElicitationRequest | undefined {
    if (this.code !== 'consent_required' || this.consentUrl === undefined) return undefined;
    return { message: this.message, url: this.consentUrl };
  }
}
