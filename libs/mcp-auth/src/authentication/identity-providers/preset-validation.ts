import { McpAuthConfigurationError } from '../../mcp-auth-configuration.error.js';
import { requireUrl } from '../../option-validation.js';

/** A required http(s) URL option of a preset, returned without trailing slashes. */
export function presetUrl(option: string, value: unknown): string {
  const url = new URL(requireUrl(option, value));
  if (url.search || url.hash)
    throw new McpAuthConfigurationError(option, `must not have a query or fragment (got ${JSON.stringify(value)})`);
  return (value as string).replace(/\/+$/, '');
}

/** A required non-empty string option of a preset that must match `pattern`. */
export function presetName(option: string, value: unknown, pattern: RegExp, hint: string): string {
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw new McpAuthConfigurationError(option, `${hint} (got ${JSON.stringify(value)})`);
  }
  return value;
}

/** The `aud` values of a token, whatever shape the claim has. */
export function audiencesOf(aud: unknown): string[] {
  if (typeof aud === 'string') return [aud];
  return Array.isArray(aud) ? aud.filter((value): value is string => typeof value === 'string') : [];
}
