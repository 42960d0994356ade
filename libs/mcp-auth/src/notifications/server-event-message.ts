import type { ServerEvent } from '@modelcontextprotocol/server';

/** Version of the message format on the Redis channel; a replica drops a version it does not know. */
const FORMAT = 1;

/** A published message is a few hundred bytes at most: anything far larger is not ours. */
export const MAX_EVENT_MESSAGE_BYTES = 8 * 1024;

/** The longest resource URI an event may carry. */
export const MAX_EVENT_URI_LENGTH = 2048;

const LIST_CHANGED_KINDS = new Set(['tools_list_changed', 'prompts_list_changed', 'resources_list_changed']);

/** One event as replicas exchange it: the event and the replica that published it (which has delivered it already). */
export interface EventMessage {
  readonly origin: string;
  readonly event: ServerEvent;
}

/**
 * The event as it goes on the channel: its kind and, for `resource_updated`, its URI.
 * Forwarded notification params stay behind: a listener on another replica gets exactly
 * what {@link McpNotifier} announces, nothing a publisher could add.
 */
export function encodeEventMessage(origin: string, event: ServerEvent): string {
  const kind = event.kind;
  return JSON.stringify({ v: FORMAT, origin, event: kind === 'resource_updated' ? { kind, uri: event.uri } : { kind } });
}

/**
 * The message `raw` carries, or undefined when it is not one: wrong format version,
 * unknown kind, a URI missing, empty or too long, or anything larger than a message is.
 * What arrives on the channel is input like any other (whoever can reach Redis can publish).
 */
export function decodeEventMessage(raw: string): EventMessage | undefined {
  if (raw.length > MAX_EVENT_MESSAGE_BYTES) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!isObject(parsed) || parsed.v !== FORMAT || typeof parsed.origin !== 'string' || !isObject(parsed.event)) return undefined;
  const event = checkedEvent(parsed.event);
  return event && { origin: parsed.origin, event };
}

/** `event` reduced to a valid {@link ServerEvent} (kind and URI only), or undefined. */
export function checkedEvent(event: unknown): ServerEvent | undefined {
  if (!isObject(event)) return undefined;
  const { kind, uri } = event;
  if (typeof kind === 'string' && LIST_CHANGED_KINDS.has(kind)) return { kind } as ServerEvent;
  if (kind === 'resource_updated' && isResourceUri(uri)) return { kind, uri };
  return undefined;
}

/** A URI an event may name: a non-empty string of bounded length. */
export function isResourceUri(uri: unknown): uri is string {
  return typeof uri === 'string' && uri.length > 0 && uri.length <= MAX_EVENT_URI_LENGTH;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
