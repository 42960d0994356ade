import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { JsonWebKey } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** A private RSA signing key as a JWK, with the `kid` tokens name it by. */
export type DevSigningKey = JsonWebKey & { kid: string };

/**
 * The development provider's signing key: a fresh RSA key, or, with `file`, the one kept there
 * (created on first use, readable by its owner only), so that tokens signed before a restart
 * still verify after it.
 */
export function developmentSigningKey(file?: string): DevSigningKey {
  if (!file) return freshKey();
  return readKey(file) ?? createKeyFile(file);
}

function freshKey(): DevSigningKey {
  return {
    ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
    kid: `dev-${randomBytes(4).toString('hex')}`,
  };
}

function readKey(file: string): DevSigningKey | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
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

/**
 * Writes a new key to `file` without ever exposing a half-written one: the key goes to a file of this process's
 * own, which is then linked into place only if `file` does not exist yet. Two examples starting at once (tests,
 * a second terminal) thus agree on one key: the one that lost the race reads the winner's.
 */
function createKeyFile(file: string): DevSigningKey {
  const key = freshKey();
  mkdirSync(dirname(file), { recursive: true });
  const pending = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(pending, JSON.stringify(key), { mode: 0o600 });
  try {
    linkSync(pending, file);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readKey(file)!;
  } finally {
    rmSync(pending, { force: true });
  }
}
