import { Module } from '@nestjs/common';
import { ProductPrompts } from './product.prompts.js';
import { ProductResources } from './product.resources.js';
import { ProductTools } from './product.tools.js';
import { ProductsService } from './products.service.js';

@Module({ providers: [ProductsService, ProductTools, ProductResources, ProductPrompts] })
export class ProductsModule {}
