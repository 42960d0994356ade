import { Logger } from '@nestjs/common';
import type { Provider } from '@nestjs/common';
import { InMemoryServerEventBus } from '@modelcontextprotocol/server';
import type { ServerEventBus } from '@modelcontextprotocol/server';
import { RedisConnection } from '../redis/redis-connection.js';
import { RedisServerEventBus } from './redis-server-event-bus.js';

/** Injection token for the bus change events travel on (the SDK's `ServerEventBus`). */
export const MCP_EVENT_BUS = Symbol('mcp-auth:event-bus');

/** The bus: over Redis pub/sub when `redis` is configured (every replica's listeners), else in this process. */
export const eventBusProvider: Provider = {
  provide: MCP_EVENT_BUS,
  inject: [RedisConnection],
  useFactory: (redis: RedisConnection): ServerEventBus => {
    if (redis.enabled) return new RedisServerEventBus(redis);
    const logger = new Logger('McpAuth');
    return new InMemoryServerEventBus((error) => logger.error(`A notification listener failed: ${error.message}`));
  },
};
