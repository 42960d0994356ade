import { hash } from 'node:crypto';

/**
 * The key under which a cache remembers a token: its SHA-256, base64url. The token text
 * itself is never kept; a different token (even one character) has a different key.
 */
export function tokenDigest(token: string): string {
  return hash('sha256', token, 'base64url');
}
