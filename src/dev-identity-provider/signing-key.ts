import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { JsonWebKey } from 'node:crypto';
import { readOrCreateKeyFile } from '../config/key-file.js';

/** A private RSA signing key as a JWK, with the `kid` tokens name it by. */
export type DevSigningKey = JsonWebKey & { kid: string };

/**
 * The development provider's signing key: a fresh RSA key, or, with `file`, the one kept there
 * (created on first use, readable by its owner only), so that tokens signed before a restart
 * still verify after it.
 */
export function developmentSigningKey(file?: string): DevSigningKey {
  if (!file) return freshKey();
  const kept = readOrCreateKeyFile(file, () => JSON.stringify(freshKey()));
  return parseKey(file, kept);
}

function freshKey(): DevSigningKey {
  return {
    ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
    kid: `dev-${randomBytes(4).toString('hex')}`,
  };
}

function parseKey(file: string, text: string): DevSigningKey {
  let key: Partial<DevSigningKey> | undefined;
  try {
    key = JSON.parse(text) as Partial<DevSigningKey>;
  } catch {
    key = undefined;
  }
  if (key?.kty !== 'RSA' || typeof key.d !== 'string' || typeof key.kid !== 'string') {
    throw new Error(`${file} does not hold a private RSA key with a kid; delete it to have a new one made`);
  }
  return key as DevSigningKey;
}
