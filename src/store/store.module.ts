import { Global, Inject, Injectable, Module } from '@nestjs/common';
import type { DynamicModule, OnApplicationShutdown } from '@nestjs/common';
import type { Database } from 'node-sqlite3-wasm';
import { openExampleDatabase } from './example-database.js';

/** Injection token for the example's open SQLite database. */
export const EXAMPLE_DATABASE = Symbol('example:database');

/** Closes the database when the application stops (a file database is flushed then). */
@Injectable()
class DatabaseCloser implements OnApplicationShutdown {
  constructor(@Inject(EXAMPLE_DATABASE) private readonly db: Database) {}

  onApplicationShutdown(): void {
    if (this.db.isOpen) this.db.close();
  }
}

/** The example's SQLite store, opened once for the whole application. */
@Global()
@Module({})
export class StoreModule {
  static register(path: string): DynamicModule {
    return {
      module: StoreModule,
      providers: [{ provide: EXAMPLE_DATABASE, useFactory: () => openExampleDatabase(path) }, DatabaseCloser],
      exports: [EXAMPLE_DATABASE],
    };
  }
}
