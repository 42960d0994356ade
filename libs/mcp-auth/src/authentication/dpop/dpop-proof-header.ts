import type { IncomingMessage } from 'node:http';

/** What the `DPoP` request header holds: no proof, more than one (RFC 9449 §4.3 step 1), or one. */
export type DpopProofHeader =
  { readonly kind: 'missing' } | { readonly kind: 'multiple' } | { readonly kind: 'proof'; readonly proof: string };

const MISSING: DpopProofHeader = { kind: 'missing' };
const MULTIPLE: DpopProofHeader = { kind: 'multiple' };

/**
 * The DPoP proof a request carries. Node joins repeated unknown headers with `, `, so two
 * `DPoP` headers are counted in the raw headers rather than guessed from the joined value.
 */
export function dpopProofOf(req: IncomingMessage): DpopProofHeader {
  const value = req.headers.dpop;
  if (value === undefined) return MISSING;
  let count = 0;
  const raw = req.rawHeaders ?? [];
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].length === 4 && raw[i].toLowerCase() === 'dpop') count++;
  }
  if (count > 1 || Array.isArray(value)) return MULTIPLE;
  return { kind: 'proof', proof: value };
}
