import { Injectable, NotFoundException } from '@nestjs/common';

export interface Product {
  readonly id: number;
  readonly name: string;
  readonly price: number;
}

/** The example's product catalogue, kept in memory. */
@Injectable()
export class ProductsService {
  private readonly products = new Map<number, Product>([
    [1, { id: 1, name: 'Keyboard', price: 49.9 }],
    [2, { id: 2, name: 'Mouse', price: 19.9 }],
  ]);
  private nextId = 3;

  list(): Product[] {
    return [...this.products.values()];
  }

  create(name: string, price: number): Product {
    const product = { id: this.nextId++, name, price };
    this.products.set(product.id, product);
    return product;
  }

  delete(id: number): Product {
    const product = this.products.get(id);
    if (!product) throw new NotFoundException(`No product with id ${id}`);
    this.products.delete(id);
    return product;
  }
}
