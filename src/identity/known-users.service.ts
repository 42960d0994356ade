import { Inject, Injectable } from '@nestjs/common';
import type { Database } from 'node-sqlite3-wasm';
import type { McpPrincipal } from 'nestjs-mcp-auth';
import { EXAMPLE_DATABASE } from '../store/store.module.js';

/**
 * "The user must exist in our system": the example's `validateUser`, backed by the
 * users table, keyed by the principal's stable id (`sub`; Entra: `<tid>/<oid>`). A valid
 * token for a user that is not there (or is disabled) gets 403.
 */
@Injectable()
export class KnownUsers {
  constructor(@Inject(EXAMPLE_DATABASE) private readonly db: Database) {}

  isKnown(principal: McpPrincipal): boolean {
    return this.db.get('SELECT 1 AS known FROM users WHERE sub = ? AND disabled = 0', [principal.id]) !== null;
  }
}
