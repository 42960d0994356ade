import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { McpAuthConfigurationError } from '../mcp-auth-configuration.error.js';
import { parseScopeSnapshot } from './scope-snapshot.js';
import type { McpScopeSnapshot } from './scope-snapshot.js';

/** What startup does when a scope opens more than the recorded snapshot lists for it. */
export type ScopeSnapshotDriftPolicy = 'warn' | 'fail';

/**
 * The recorded scope snapshot the live catalogue is compared with at startup (option `scopeSnapshot`).
 *
 * @example
 * ```ts
 * McpAuthModule.forRoot({
 *   // ...
 *   scopeSnapshot: { file: 'scope-snapshot.json', onDrift: 'fail' },
 * })
 * ```
 */
export interface McpScopeSnapshotOptions {
  /**
   * The recorded snapshot's file (what `ScopeSnapshot.json()` printed), relative to the working
   * directory. A missing file is a warning (record one), an unreadable or malformed one a startup error.
   */
  file?: string;
  /** Or the recorded snapshot itself (e.g. an imported JSON module). */
  value?: McpScopeSnapshot;
  /**
   * A scope that now opens a tool, resource or prompt it did not open in the recorded snapshot:
   * `'warn'` (default) logs one warning per such scope; `'fail'` stops startup with the same list.
   */
  onDrift?: ScopeSnapshotDriftPolicy;
}

/** `scopeSnapshot` after validation, the recorded snapshot read. */
export interface ResolvedScopeSnapshot {
  /** Undefined when `file` names no file yet. */
  readonly recorded?: McpScopeSnapshot;
  /** `file`'s absolute path, or `'scopeSnapshot.value'`: where the recorded snapshot came from, for messages. */
  readonly source: string;
  readonly onDrift: ScopeSnapshotDriftPolicy;
}

/** Validates `scopeSnapshot` and reads its file once at startup. */
export async function resolveScopeSnapshot(options: McpScopeSnapshotOptions | undefined): Promise<ResolvedScopeSnapshot | undefined> {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) {
    throw new McpAuthConfigurationError(
      'scopeSnapshot',
      "must be an object: { file } or { value }, and optionally onDrift: 'warn' | 'fail'",
    );
  }
  const onDrift = options.onDrift ?? 'warn';
  if (onDrift !== 'warn' && onDrift !== 'fail') {
    throw new McpAuthConfigurationError('scopeSnapshot.onDrift', `must be 'warn' or 'fail' (got ${JSON.stringify(options.onDrift)})`);
  }
  if ((options.file === undefined) === (options.value === undefined)) {
    throw new McpAuthConfigurationError(
      'scopeSnapshot',
      'needs exactly one of file (the recorded JSON file) and value (the snapshot itself)',
    );
  }
  if (options.value !== undefined) {
    return { recorded: parseScopeSnapshot(options.value, 'scopeSnapshot.value'), source: 'scopeSnapshot.value', onDrift };
  }
  if (typeof options.file !== 'string' || options.file.trim() === '') {
    throw new McpAuthConfigurationError('scopeSnapshot.file', 'must be the path of the recorded snapshot (a JSON file)');
  }
  const source = resolve(options.file);
  let text: string;
  try {
    text = await readFile(source, 'utf8');
  } catch (error) {
    // Not recorded yet: the first deployment starts, says so, and prints how to record one.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { source, onDrift };
    throw new McpAuthConfigurationError('scopeSnapshot.file', `cannot be read (${(error as Error).message})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new McpAuthConfigurationError('scopeSnapshot.file', `${source} is not JSON: record it again with ScopeSnapshot.json()`);
  }
  return { recorded: parseScopeSnapshot(parsed, 'scopeSnapshot.file'), source, onDrift };
}
