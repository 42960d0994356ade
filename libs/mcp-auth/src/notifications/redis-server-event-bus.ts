import { Logger } from '@nestjs/common';
import type { ServerEvent, ServerEventBus } from '@modelcontextprotocol/server';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RedisConnection } from '../redis/redis-connection.js';
import { decodeEventMessage, encodeEventMessage } from './server-event-message.js';

type Listener = (event: ServerEvent) => void;

/**
 * A `ServerEventBus` shared by the replicas of a server over Redis pub/sub: an event
 * published on any replica reaches the listeners of every replica, once each.
 *
 * One channel (`<keyPrefix>events`) and one subscriber connection per process feed
 * the process's own listener set. A replica delivers what it publishes to its own
 * listeners at once, then publishes it tagged with its origin, and ignores its own
 * messages when they come back: so local delivery never waits for Redis and still
 * works while Redis is down. While Redis is unreachable, events published here reach
 * this replica's listeners only (they are not queued or replayed), and events of other
 * replicas do not arrive; the subscriber subscribes again by itself once Redis is back.
 * A message on the channel that is not a valid event is dropped and logged.
 */
export class RedisServerEventBus implements ServerEventBus {
  private readonly logger = new Logger('McpAuth');
  private readonly listeners = new Set<Listener>();
  /** Tells this process's messages apart when they come back from the channel. */
  private readonly origin = randomUUID();
  private readonly channel: string;
  private readonly subscriber: Redis;
  private publishFailing = false;

  constructor(private readonly redis: RedisConnection) {
    this.channel = redis.key('events');
    this.subscriber = redis.subscriber();
    this.subscriber.on('message', (channel: string, raw: string) => {
      if (channel === this.channel) this.receive(raw);
    });
    // On every (re)connection: a subscription made while Redis was down never happened,
    // and one made before a restart of Redis is gone with it.
    this.subscriber.on('ready', () => this.listenToChannel());
    if (this.subscriber.status === 'ready') this.listenToChannel();
  }

  publish(event: ServerEvent): void {
    this.deliver(event);
    this.redis.client.publish(this.channel, encodeEventMessage(this.origin, event)).then(
      () => {
        if (!this.publishFailing) return;
        this.publishFailing = false;
        this.logger.log('Notifications reach the other replicas again');
      },
      (error: Error) => {
        if (this.publishFailing) return;
        this.publishFailing = true;
        this.logger.warn(`Notifications reach this replica's listeners only until Redis is back (${error.message})`);
      },
    );
  }

  subscribe(listener: Listener): () => void {
    // Wrapped, so that one listener subscribed twice is two listeners, as with the SDK's in-memory bus.
    const entry: Listener = (event) => listener(event);
    this.listeners.add(entry);
    return () => void this.listeners.delete(entry);
  }

  /** How many listeners this process has (tests, introspection). */
  get listenerCount(): number {
    return this.listeners.size;
  }

  private listenToChannel(): void {
    this.subscriber.subscribe(this.channel).catch((error: Error) => {
      // The next 'ready' subscribes again.
      this.logger.warn(`Could not subscribe to ${this.channel} (${error.message}); retrying when Redis is back`);
    });
  }

  private receive(raw: string): void {
    const message = decodeEventMessage(raw);
    if (!message) {
      // Not the message itself: it is whatever someone with access to Redis published.
      this.logger.warn(`Dropped a message on ${this.channel} that is not a valid event (${raw.length} characters)`);
      return;
    }
    if (message.origin === this.origin) return;
    this.deliver(message.event);
  }

  private deliver(event: ServerEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.error(`A notification listener failed: ${(error as Error)?.message ?? String(error)}`);
      }
    }
  }
}
