import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The text kept in `file`, or, when there is none yet, `make()`'s, written there readable by its owner only. The new
 * text goes to a file of this process's own, which is then linked into place only if `file` does not exist yet, so a
 * half-written file is never seen and processes starting at once (replicas, tests, a second terminal) agree on one
 * text: the one that lost the race reads the winner's.
 */
export function readOrCreateKeyFile(file: string, make: () => string): string {
  return readIfExists(file) ?? createOnce(file, make());
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function createOnce(file: string, text: string): string {
  mkdirSync(dirname(file), { recursive: true });
  const pending = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(pending, text, { mode: 0o600 });
  try {
    linkSync(pending, file);
    return text;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readFileSync(file, 'utf8');
  } finally {
    rmSync(pending, { force: true });
  }
}
