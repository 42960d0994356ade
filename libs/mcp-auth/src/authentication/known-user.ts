import type { ResolvedMcpAuthOptions } from '../mcp-auth.options.js';
import type { Challenges } from './challenges.js';
import type { McpPrincipal } from './principal.js';

/**
 * The last step of every strategy: `validateUser` (when configured) decides whether
 * the principal is known here. A refusal is a 403, whatever the credential was.
 * Synchronous without `validateUser`: no promise on the hot path.
 */
export function admitKnownUser(
  principal: McpPrincipal,
  options: Pick<ResolvedMcpAuthOptions, 'validateUser'>,
  challenges: Challenges,
): McpPrincipal | Promise<McpPrincipal> {
  const { validateUser } = options;
  if (!validateUser) return principal;
  // The executor turns a synchronous throw of validateUser into a rejection too.
  return new Promise<boolean>((resolve) => resolve(validateUser(principal))).then((known) => {
    if (!known) throw challenges.unknownUser();
    return principal;
  });
}

/**
 * Asks `validateUser` again about a principal admitted earlier (an open stream's): true while
 * it still says yes, false when it says no or fails. True without `validateUser`.
 */
export function isKnownUser(principal: McpPrincipal, options: Pick<ResolvedMcpAuthOptions, 'validateUser'>): Promise<boolean> {
  const { validateUser } = options;
  if (!validateUser) return Promise.resolve(true);
  return new Promise<boolean>((resolve) => resolve(validateUser(principal))).then(
    (known) => Boolean(known),
    () => false,
  );
}
