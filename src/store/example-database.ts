import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import sqlite from 'node-sqlite3-wasm';
import type { Database } from 'node-sqlite3-wasm';

/** The users the example knows; a token (or API key) for any other subject is refused with 403. */
export const SEED_USERS: readonly { sub: string; displayName: string }[] = [
  { sub: 'demo-reader', displayName: 'Demo reader' },
  { sub: 'demo-writer', displayName: 'Demo writer' },
  { sub: 'demo-admin', displayName: 'Demo administrator' },
];

const SEED_PRODUCTS: readonly { name: string; price: number }[] = [
  { name: 'Keyboard', price: 49.9 },
  { name: 'Mouse', price: 19.9 },
];

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS users (
    sub TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE IF NOT EXISTS products (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    price REAL NOT NULL
  );
`;

/**
 * Opens the example's SQLite database (WebAssembly SQLite: no native build, no
 * install scripts): `:memory:` by default, or a file that keeps products and users
 * across restarts. The schema is created and the demo data seeded on first use.
 */
export function openExampleDatabase(path: string): Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new sqlite.Database(path);
  db.exec(SCHEMA);
  const seeded = db.get('SELECT count(*) AS n FROM users') as { n: number };
  if (seeded.n === 0) {
    for (const user of SEED_USERS) db.run('INSERT INTO users (sub, display_name) VALUES (?, ?)', [user.sub, user.displayName]);
    for (const product of SEED_PRODUCTS) db.run('INSERT INTO products (name, price) VALUES (?, ?)', [product.name, product.price]);
  }
  return db;
}
