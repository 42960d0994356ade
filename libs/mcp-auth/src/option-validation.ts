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

/** A whole number above 0, or `fallback` when not given (a fallback of 0 makes the option required). */
export function positiveInteger(option: string, value: number | undefined, fallback: number): number {
  if (value === undefined && fallback > 0) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new McpAuthConfigurationError(option, `must be a positive whole number (got ${JSON.stringify(value)})`);
  }
  return value;
}

/** A whole number of milliseconds, 0 or more, or `fallback` when not given. */
export function nonNegativeInteger(option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new McpAuthConfigurationError(option, `must be a whole number of milliseconds, 0 or more (got ${JSON.stringify(value)})`);
  }
  return value;
}

/** `true` or `false`, or `fallback` when not given. */
export function optionalBoolean(option: string, value: boolean | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new McpAuthConfigurationError(option, `must be true or false (got ${JSON.stringify(value)})`);
  return value;
}
