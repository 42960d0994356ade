import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { Database } from 'node-sqlite3-wasm';
import { EXAMPLE_DATABASE } from '../store/store.module.js';

export interface Product {
  readonly id: number;
  readonly name: string;
  readonly price: number;
}

/** The example's product catalogue, kept in SQLite. */
@Injectable()
export class ProductsService {
  constructor(@Inject(EXAMPLE_DATABASE) private readonly db: Database) {}

  list(): Product[] {
    return this.db.all('SELECT id, name, price FROM products ORDER BY id') as unknown as Product[];
  }

  /**
   * Ids for an `id` argument being typed (completion): those that start with what was typed,
   * then those whose product name contains it.
   */
  idsMatching(typed: string): string[] {
    const needle = typed.trim().toLowerCase();
    const products = this.list();
    const byId = products.filter((product) => String(product.id).startsWith(needle));
    const byName = products.filter((product) => !byId.includes(product) && product.name.toLowerCase().includes(needle));
    return [...byId, ...byName].map((product) => String(product.id));
  }

  get(id: number): Product {
    const product = this.db.get('SELECT id, name, price FROM products WHERE id = ?', [id]) as Product | null;
    if (!product) throw new NotFoundException(`No product with id ${id}`);
    return product;
  }

  create(name: string, price: number): Product {
    const { lastInsertRowid } = this.db.run('INSERT INTO products (name, price) VALUES (?, ?)', [name, price]);
    return { id: Number(lastInsertRowid), name, price };
  }

  delete(id: number): Product {
    const product = this.get(id);
    this.db.run('DELETE FROM products WHERE id = ?', [id]);
    return product;
  }
}
