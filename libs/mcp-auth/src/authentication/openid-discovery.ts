import { McpAuthConfigurationError } from '../mcp-auth-configuration.error.js';
import { getWithResetRetry } from './get-with-reset-retry.js';

/** The part of an OpenID Provider's discovery document this module needs. */
export interface OpenIdConfiguration {
  issuer: string;
  jwks_uri: string;
  introspection_endpoint?: string;
  token_endpoint?: string;
  [field: string]: unknown;
}

/**
 * Fetches `<issuer>/.well-known/openid-configuration` and checks that the document
 * names the same issuer (OpenID Connect Discovery §4.3): a mismatch means the URL
 * points somewhere else, and its keys must not be trusted for this issuer.
 */
export async function discoverOpenIdConfiguration(issuer: string, timeoutMs: number): Promise<OpenIdConfiguration> {
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  let response: Response;
  try {
    response = await getWithResetRetry(url, AbortSignal.timeout(timeoutMs), { accept: 'application/json' });
  } catch (error) {
    const reason = (error as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : describeFetchError(error);
    throw new McpAuthConfigurationError('issuer', `could not be reached: ${url} (${reason}); check the URL or set "jwksUri"`);
  }
  if (!response.ok) {
    throw new McpAuthConfigurationError(
      'issuer',
      `discovery failed: ${url} answered HTTP ${response.status}; check the URL or set "jwksUri"`,
    );
  }
  let document: Partial<OpenIdConfiguration>;
  try {
    document = (await response.json()) as Partial<OpenIdConfiguration>;
  } catch {
    throw new McpAuthConfigurationError('issuer', `discovery failed: ${url} did not return JSON`);
  }
  if (document.issuer !== issuer) {
    throw new McpAuthConfigurationError(
      'issuer',
      `does not match the discovery document: ${url} names issuer ${JSON.stringify(document.issuer)}; use that exact value`,
    );
  }
  if (typeof document.jwks_uri !== 'string' || !/^https?:\/\//.test(document.jwks_uri)) {
    throw new McpAuthConfigurationError('issuer', `discovery document at ${url} has no usable jwks_uri; set "jwksUri"`);
  }
  return document as OpenIdConfiguration;
}

function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
