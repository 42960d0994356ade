#!/usr/bin/env node
import { generateApiKey, hashApiKey } from '../authentication/api-keys/api-key-hash.js';

/**
 * Prints the hash to put in `apiKeys` for an API key.
 *
 *   npm run hash-key                 generates a new random key and prints it with its hash and an entry
 *   npm run hash-key -- <key>        prints the hash of an existing key
 *   echo -n <key> | npm run hash-key -- -    reads the key from standard input (keeps it out of shell history)
 */
async function main(argv: string[]): Promise<number> {
  const [argument] = argv;
  if (argument === '--help' || argument === '-h') {
    console.log('usage: hash-api-key [<key> | -]   (no argument: generate a new key)');
    return 0;
  }
  if (argument === undefined) {
    const key = generateApiKey();
    const hash = hashApiKey(key);
    console.log(`key:   ${key}   (give this to the client; it is not stored anywhere)`);
    console.log(`hash:  ${hash}`);
    console.log(`entry: ${JSON.stringify({ hash, sub: 'CHANGE-ME', scopes: [] })}`);
    return 0;
  }
  const key = argument === '-' ? (await readStdin()).replace(/\r?\n$/, '') : argument;
  if (key.length < 32) {
    console.error('The key is shorter than 32 characters: API keys must be long random strings (run without an argument to generate one).');
    return 1;
  }
  console.log(hashApiKey(key));
  return 0;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

main(process.argv.slice(2)).then((code) => process.exit(code));
