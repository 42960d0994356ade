import type { DpopSession } from '@modelcontextprotocol/client';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';

/**
 * An interactive MCP client's OAuth state, as the SDK's `OAuthClientProvider` (v1 and v2
 * have the same shape for what is used here) asks for it: a public client with a loopback
 * redirect URI, registering dynamically or presenting a client ID metadata document URL,
 * that sends the user to the browser through `authorize` and keeps the response for
 * `finishAuth`.
 */
export class BrowserOAuthClient {
  /** Every authorization URL the SDK sent the user to, in order. */
  readonly authorizations: URL[] = [];
  /** The authorization responses the redirect URI received, not yet handed to `finishAuth`. */
  private readonly responses: URLSearchParams[] = [];
  private client?: OAuthClientInformationMixed;
  private saved?: OAuthTokens;
  private verifier?: string;
  /** What discovery found (resource and authorization server metadata), kept beside the verifier (SEP-2352). */
  private discovery?: unknown;

  constructor(
    readonly redirectUrl: string,
    /** Drives the browser through login and consent for one authorization URL; resolves with the response. */
    private readonly authorize: (url: URL) => Promise<URLSearchParams>,
    private readonly options: {
      clientName?: string;
      clientMetadataUrl?: string;
      keepRefreshToken?: boolean;
      /** The v2 SDK's DPoP signing session: given, the client asks for DPoP-bound tokens and proves them on every request. */
      dpop?: DpopSession;
    } = {},
  ) {}

  /** v2 (RFC 9449): the DPoP session, when the client has one; without it the SDK uses bearer tokens as before. */
  dpop(): DpopSession | undefined {
    return this.options.dpop;
  }

  get clientMetadataUrl(): string | undefined {
    return this.options.clientMetadataUrl;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: this.options.clientName ?? 'e2e browser client',
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }

  clientInformation(): OAuthClientInformationMixed | undefined {
    return this.client;
  }

  saveClientInformation(client: OAuthClientInformationMixed): void {
    this.client = client;
  }

  tokens(): OAuthTokens | undefined {
    return this.saved;
  }

  saveTokens(tokens: OAuthTokens): void {
    // A client that keeps no refresh token must log in again whenever it needs a new token.
    this.saved = this.options.keepRefreshToken === false ? { ...tokens, refresh_token: undefined } : tokens;
  }

  async redirectToAuthorization(url: URL): Promise<void> {
    this.authorizations.push(url);
    this.responses.push(await this.authorize(url));
  }

  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier;
  }

  codeVerifier(): string {
    if (!this.verifier) throw new Error('no code verifier saved');
    return this.verifier;
  }

  /** v2: the discovery state the code and verifier are bound to (its callback leg checks the authorization server is the same). */
  saveDiscoveryState(state: unknown): void {
    this.discovery = state;
  }

  discoveryState<T>(): T | undefined {
    return this.discovery as T | undefined;
  }

  /** The oldest authorization response the SDK has not finished yet. */
  takeResponse(): URLSearchParams {
    const response = this.responses.shift();
    if (!response) throw new Error('no authorization response to finish');
    return response;
  }

  /** The scope each authorization request asked for. */
  requestedScopes(): string[] {
    return this.authorizations.map((url) => url.searchParams.get('scope') ?? '');
  }
}
