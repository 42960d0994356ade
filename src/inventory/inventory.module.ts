import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { INVENTORY_SETTINGS, InventoryTools } from './inventory.tools.js';
import type { InventorySettings } from './inventory.tools.js';

/** The `stock_level` tool, when the example has an inventory API to call. */
@Module({})
export class InventoryModule {
  static register(settings: InventorySettings): DynamicModule {
    return { module: InventoryModule, providers: [{ provide: INVENTORY_SETTINGS, useValue: settings }, InventoryTools] };
  }
}
