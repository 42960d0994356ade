import { McpAuthConfigurationError } from './mcp-auth-configuration.error.js';

/** A required absolute http(s) URL option, returned unchanged (issuers are compared byte for byte). */
export function requireUrl(option: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new McpAuthConfigurationError(option, 'is required (an absolute http(s) URL)');
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new McpAuthConfigurationError(option, `is not a valid URL: ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new McpAuthConfigurationError(option, `must be an http(s) URL (got ${JSON.stringify(value)})`);
  }
  return value;
}
