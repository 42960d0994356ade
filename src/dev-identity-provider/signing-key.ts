import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { JsonWebKey } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** A private RSA signing key as a JWK, with the `kid` tokens name it by. */
export type DevSigningKey = JsonWebKey & { kid: string };

/**
 * The development provider's signing key: a fresh RSA key, or, with `file`, the one kept there
 * (created on first use, readable by its owner only), so that tokens signed before a restart
 * still verify after it.
 */
export function developmentSigningKey(file?: string): DevSigningKey {
  if (file && existsSync(file)) {
    const key = JSON.parse(readFileSync(file, 'utf8')) as Partial<DevSigningKey>;
    if (key.kty !== 'RSA' || typeof key.d !== 'string' || typeof key.kid !== 'string') {
      throw new Error(`${file} does not hold a private RSA key with a kid; delete it to have a new one made`);
    }
    return key as DevSigningKey;
  }
  const key: DevSigningKey = {
    ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
    kid: `dev-${randomBytes(4).toString('hex')}`,
  };
  if (file) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(key), { mode: 0o600 });
  }
  return key;
}
