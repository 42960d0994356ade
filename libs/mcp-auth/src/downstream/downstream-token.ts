import { inspect } from 'node:util';

/** What a tool asks a downstream token for: the API (`audience` and/or `resource`) and the scopes it needs there. */
export interface DownstreamTokenRequest {
  /**
   * The downstream API as the identity provider names it: RFC 8693 `audience` (Keycloak: the
   * target client id; Okta, Auth0: the API's audience). For Entra on-behalf-of, the API's
   * Application ID URI (`api://inventory`, `https://graph.microsoft.com`), which prefixes short scopes.
   */
  audience?: string;
  /** RFC 8707 / RFC 8693 `resource`: the downstream API's URL, where the provider takes it. */
  resource?: string;
  /** The scopes needed there; the token is refused if it carries more. Entra: short names are prefixed with the API. */
  scopes?: readonly string[];
}

/**
 * A token for a downstream API, for the caller of the tool. It prints as `[DownstreamToken …]`
 * (never the token) in logs, `util.inspect` and `JSON.stringify`; read `accessToken` to send it.
 */
export class DownstreamToken {
  /** The access token for the downstream API (`Authorization: Bearer <accessToken>`). Never log it. */
  declare readonly accessToken: string;

  constructor(
    accessToken: string,
    /** `Bearer`. */
    readonly tokenType: string,
    /** Expiry, in milliseconds since the epoch, when the identity provider said. */
    readonly expiresAt: number | undefined,
    /** The scopes the identity provider says it carries (empty when it did not say). */
    readonly scopes: readonly string[],
  ) {
    // Not enumerable: spreading, `Object.keys` and naive serialisers leave it out.
    Object.defineProperty(this, 'accessToken', { value: accessToken, enumerable: false });
  }

  /** The `Authorization` header value. */
  get authorization(): string {
    return `${this.tokenType} ${this.accessToken}`;
  }

  toJSON(): Record<string, unknown> {
    return { tokenType: this.tokenType, expiresAt: this.expiresAt, scopes: this.scopes, accessToken: '[redacted]' };
  }

  [inspect.custom](): string {
    return `[DownstreamToken ${this.tokenType}, scopes ${JSON.stringify(this.scopes)}, expires ${this.expiresAt === undefined ? 'unknown' : new Date(this.expiresAt).toISOString()}]`;
  }
}
