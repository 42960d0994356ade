import { Module } from '@nestjs/common';
import { ProductTools } from './product.tools.js';
import { ProductsService } from './products.service.js';

@Module({ providers: [ProductsService, ProductTools] })
export class ProductsModule {}
