import { McpAuthConfigurationError } from '../../mcp-auth-configuration.error.js';
import type { McpDownstreamOptions } from '../../downstream/downstream.options.js';
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

/** A preset's `downstream` option: the issuer's block without `flow`, which the preset knows. */
export type PresetDownstreamOptions = Omit<McpDownstreamOptions, 'flow'>;

/**
 * The `downstream` entry a preset contributes: the user's block on top of the provider's form
 * (`defaults`), or nothing when the option is not given. Validated in full at startup.
 */
export function presetDownstream(
  option: string,
  downstream: Partial<PresetDownstreamOptions> | undefined,
  defaults: Partial<McpDownstreamOptions>,
): { downstream?: McpDownstreamOptions } {
  if (downstream === undefined) return {};
  if (typeof downstream !== 'object' || downstream === null) throw new McpAuthConfigurationError(option, 'must be an object');
  if ('flow' in downstream) throw new McpAuthConfigurationError(option, "takes no flow: the preset sets its provider's");
  return { downstream: { ...defaults, ...downstream } as McpDownstreamOptions };
}
