import { randomBytes } from 'node:crypto';
import { ExampleConfigError } from './example-config.js';
import type { ExampleConfig } from './example-config.js';
import { readOrCreateKeyFile } from './key-file.js';

/**
 * The key that seals the state of calls asking the user, from `MCP_REQUEST_STATE_KEY`, or kept in
 * `MCP_REQUEST_STATE_KEY_FILE` (made on first use, readable by its owner only) so that a question
 * asked before a restart can still be answered after it, and every replica started with the same
 * file agrees. Undefined: the library makes one for this process.
 */
export function requestStateKeyOf({ key, keyFile }: ExampleConfig['requestState']): string | undefined {
  if (key !== undefined || keyFile === undefined) return key;
  const kept = readOrCreateKeyFile(keyFile, () => `${randomBytes(48).toString('base64url')}\n`).trim();
  if (Buffer.byteLength(kept, 'utf8') < 32) {
    throw new ExampleConfigError(`${keyFile} (MCP_REQUEST_STATE_KEY_FILE) holds fewer than 32 bytes; delete it to have a new key made`);
  }
  return kept;
}
