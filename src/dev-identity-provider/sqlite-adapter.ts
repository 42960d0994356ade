import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import sqlite from 'node-sqlite3-wasm';
import type { Database } from 'node-sqlite3-wasm';
import type { Adapter, AdapterPayload } from 'oidc-provider';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS oidc_models (
    model TEXT NOT NULL,
    id TEXT NOT NULL,
    payload TEXT NOT NULL,
    grant_id TEXT,
    uid TEXT,
    user_code TEXT,
    expires_at INTEGER,
    PRIMARY KEY (model, id)
  );
  CREATE INDEX IF NOT EXISTS oidc_models_grant_id ON oidc_models (grant_id);
`;

/**
 * Where `oidc-provider` keeps what it issues and registers (clients, grants, sessions, codes, refresh tokens),
 * in SQLite, so that the development provider restarted on the same URL still knows the clients that
 * registered with it and honours their refresh tokens. `oidc-provider` ships only an in-memory store (it asks
 * for one of your own); this is that store, on the example's own SQLite (WebAssembly: no native build).
 * Expired entries are never returned and are removed when the store opens.
 */
export class SqliteOidcStore {
  private readonly db: Database;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new sqlite.Database(path);
    this.db.exec(SCHEMA);
    this.db.run('DELETE FROM oidc_models WHERE expires_at IS NOT NULL AND expires_at <= ?', [Date.now()]);
  }

  /** The adapter factory `oidc-provider` takes as its `adapter` setting: one adapter per model name. */
  readonly adapterFor = (model: string): Adapter => new SqliteOidcAdapter(this.db, model);

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}

/** `oidc-provider`'s adapter contract for one model (`Client`, `Grant`, `RefreshToken`, ...), on one table. */
class SqliteOidcAdapter implements Adapter {
  constructor(
    private readonly db: Database,
    private readonly model: string,
  ) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    this.db.run(
      `INSERT OR REPLACE INTO oidc_models (model, id, payload, grant_id, uid, user_code, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      [
        this.model,
        id,
        JSON.stringify(payload),
        payload.grantId ?? null,
        payload.uid ?? null,
        payload.userCode ?? null,
        expiresIn ? Date.now() + expiresIn * 1000 : null,
      ],
    );
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return this.findWhere('id = ?', id);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.findWhere('uid = ?', uid);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.findWhere('user_code = ?', userCode);
  }

  async consume(id: string): Promise<void> {
    const payload = await this.find(id);
    if (!payload) return;
    // The consumed mark lives in the payload, as oidc-provider reads it (seconds since the epoch).
    this.db.run('UPDATE oidc_models SET payload = ? WHERE model = ? AND id = ?', [
      JSON.stringify({ ...payload, consumed: Math.floor(Date.now() / 1000) }),
      this.model,
      id,
    ]);
  }

  async destroy(id: string): Promise<void> {
    this.db.run('DELETE FROM oidc_models WHERE model = ? AND id = ?', [this.model, id]);
  }

  /** Everything issued under a grant goes with it (a revoked grant, a reused refresh token). */
  async revokeByGrantId(grantId: string): Promise<void> {
    this.db.run('DELETE FROM oidc_models WHERE grant_id = ?', [grantId]);
  }

  private findWhere(condition: string, value: string): AdapterPayload | undefined {
    const row = this.db.get(`SELECT payload FROM oidc_models WHERE model = ? AND ${condition} AND (expires_at IS NULL OR expires_at > ?)`, [
      this.model,
      value,
      Date.now(),
    ]) as { payload: string } | null;
    return row ? (JSON.parse(row.payload) as AdapterPayload) : undefined;
  }
}
