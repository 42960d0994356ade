import { readFileSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { McpAuthConfigurationError } from '../../mcp-auth-configuration.error.js';
import type { McpPrincipal } from '../principal.js';
import { digestOf, digestOfKey, findDigest, isApiKeyHash } from './api-key-hash.js';
import type { ApiKeyEntry, ApiKeysOptions } from './api-keys.options.js';

/** The `issuer` of principals authenticated by API key (they have no identity provider). */
export const API_KEY_ISSUER = 'urn:nestjs-mcp-auth:api-key';

interface KeySet {
  readonly digests: Buffer[];
  readonly principals: McpPrincipal[];
}

type FileVersion = string;

/**
 * The accepted API keys: inline entries plus those of the key file. The file is
 * checked with one `stat` per lookup and re-read only when it changed. A file that
 * becomes unreadable or invalid accepts no keys at all until it is fixed (fail closed:
 * a half-written file must not keep a revoked key alive).
 */
export class ApiKeyStore {
  private readonly inline: KeySet;
  private fileKeys: KeySet = { digests: [], principals: [] };
  private fileVersion?: FileVersion;
  private reloading?: Promise<void>;

  constructor(
    private readonly options: ApiKeysOptions,
    private readonly onFileProblem: (message: string) => void = () => undefined,
  ) {
    this.inline = toKeySet(parseApiKeyEntries(options.keys ?? [], 'apiKeys.keys'));
    if (options.file !== undefined) {
      // Startup reads the file synchronously so that a broken file stops the application.
      try {
        const version = versionOf(statSync(options.file));
        this.fileKeys = toKeySet(parseApiKeyFile(readFileSync(options.file, 'utf8'), options.file));
        this.fileVersion = version;
      } catch (error) {
        if (error instanceof McpAuthConfigurationError) throw error;
        throw new McpAuthConfigurationError(
          'apiKeys.file',
          `cannot be read: ${options.file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
        );
      }
    }
  }

  /** The principal of this key, or undefined when no entry matches. */
  async lookup(key: string): Promise<McpPrincipal | undefined> {
    if (this.options.file !== undefined) await this.refresh(this.options.file);
    const presented = digestOfKey(key);
    const digests = [...this.inline.digests, ...this.fileKeys.digests];
    const index = findDigest(presented, digests);
    if (index === -1) return undefined;
    return index < this.inline.principals.length
      ? this.inline.principals[index]
      : this.fileKeys.principals[index - this.inline.principals.length];
  }

  private refresh(file: string): Promise<void> {
    // Concurrent lookups share one stat (and at most one re-read).
    return (this.reloading ??= this.reload(file).finally(() => (this.reloading = undefined)));
  }

  private async reload(file: string): Promise<void> {
    try {
      const version = versionOf(await stat(file));
      if (version === this.fileVersion) return;
      this.fileKeys = toKeySet(parseApiKeyFile(await readFile(file, 'utf8'), file));
      this.fileVersion = version;
    } catch (error) {
      this.fileKeys = { digests: [], principals: [] };
      this.fileVersion = undefined;
      this.onFileProblem(`API key file ${file} is unusable, accepting none of its keys: ${(error as Error).message}`);
    }
  }
}

function versionOf(stats: { mtimeMs: number; size: number; ino: number }): FileVersion {
  return `${stats.ino}:${stats.size}:${stats.mtimeMs}`;
}

/** Parses a key file: a JSON list of entries, or `{ "keys": [...] }`. */
export function parseApiKeyFile(text: string, file: string): ApiKeyEntry[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new McpAuthConfigurationError('apiKeys.file', `${file} is not valid JSON`);
  }
  const entries = Array.isArray(value) ? value : (value as { keys?: unknown } | null)?.keys;
  return parseApiKeyEntries(entries, `apiKeys.file (${file})`);
}

/** Checks entries: a hash in the `sha256:<hex>` format (never a plain key), a subject, scopes as strings. */
export function parseApiKeyEntries(value: unknown, option: string): ApiKeyEntry[] {
  if (!Array.isArray(value)) throw new McpAuthConfigurationError(option, 'must be a list of { hash, sub, clientId?, scopes? }');
  const seen = new Set<string>();
  return value.map((entry: Partial<ApiKeyEntry> | null, index) => {
    const where = `${option}[${index}]`;
    if (typeof entry !== 'object' || entry === null)
      throw new McpAuthConfigurationError(where, 'must be an object { hash, sub, clientId?, scopes? }');
    if (!isApiKeyHash(entry.hash)) {
      throw new McpAuthConfigurationError(
        `${where}.hash`,
        'must be "sha256:<64 hex digits>" as printed by `npm run hash-key` (never the key itself)',
      );
    }
    if (seen.has(entry.hash)) throw new McpAuthConfigurationError(`${where}.hash`, 'appears twice; each key maps to one principal');
    seen.add(entry.hash);
    if (typeof entry.sub !== 'string' || entry.sub.trim() === '')
      throw new McpAuthConfigurationError(`${where}.sub`, "is required (the principal's subject)");
    if (entry.clientId !== undefined && typeof entry.clientId !== 'string')
      throw new McpAuthConfigurationError(`${where}.clientId`, 'must be a string');
    if (
      entry.scopes !== undefined &&
      (!Array.isArray(entry.scopes) || entry.scopes.some((scope) => typeof scope !== 'string' || scope === ''))
    ) {
      throw new McpAuthConfigurationError(`${where}.scopes`, 'must be a list of scope strings');
    }
    return { hash: entry.hash, sub: entry.sub, clientId: entry.clientId, scopes: entry.scopes ?? [] };
  });
}

function toKeySet(entries: readonly ApiKeyEntry[]): KeySet {
  return {
    digests: entries.map((entry) => digestOf(entry.hash)),
    principals: entries.map(principalOfEntry),
  };
}

function principalOfEntry(entry: ApiKeyEntry): McpPrincipal {
  const clientId = entry.clientId ?? entry.sub;
  const scopes = [...(entry.scopes ?? [])];
  return {
    sub: entry.sub,
    id: entry.sub,
    clientId,
    scopes,
    issuer: API_KEY_ISSUER,
    claims: { sub: entry.sub, client_id: clientId, scope: scopes.join(' ') },
  };
}
