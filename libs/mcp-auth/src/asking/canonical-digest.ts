import { createHash } from 'node:crypto';

/**
 * A short digest of a JSON value that does not depend on the order of its object keys:
 * SHA-256 of its canonical JSON, base64url, first 128 bits. What is digested here (a call's
 * arguments, the questions a call asks) was parsed from JSON or is plain data, so sorting
 * keys is all a canonical form needs: no cycles, dates or `toJSON` to handle, which is why
 * this is not a dependency (RFC 8785's number formatting is JavaScript's own here).
 */
export function canonicalDigest(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('base64url').slice(0, 22);
}

/** JSON with every object's keys sorted; `undefined` members dropped, as `JSON.stringify` does. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  const members: string[] = [];
  for (const key of Object.keys(value).sort()) {
    const member = (value as Record<string, unknown>)[key];
    if (member !== undefined) members.push(`${JSON.stringify(key)}:${canonicalJson(member)}`);
  }
  return `{${members.join(',')}}`;
}
