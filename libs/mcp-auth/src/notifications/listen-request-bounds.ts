/**
 * The most bytes a `subscriptions/listen` request's body may take. A listen stream lives as
 * long as its token, and the SDK keeps what the request asked for (its id and its
 * `resourceSubscriptions`) for that long: this bounds what one stream can make it keep, so
 * that the per-subject and process-wide stream limits bound the heap. A real client's listen
 * request is a few hundred bytes; 256 resource URIs of a hundred characters fit.
 */
export const MAX_LISTEN_REQUEST_BYTES = 32 * 1024;

/**
 * How many resources one listener may subscribe to: a `subscriptions/listen` stream, or a
 * legacy session through `resources/subscribe`. The set lives as long as the stream or session.
 */
export const MAX_RESOURCE_SUBSCRIPTIONS = 256;

/**
 * Why this `subscriptions/listen` request is refused (it is larger than
 * {@link MAX_LISTEN_REQUEST_BYTES}, or names more than {@link MAX_RESOURCE_SUBSCRIPTIONS}
 * resources), or undefined when it is within bounds. `bytes` is the size of its body.
 */
export function oversizedListen(message: unknown, bytes: number): string | undefined {
  if (bytes > MAX_LISTEN_REQUEST_BYTES) {
    return `Invalid params: this subscriptions/listen request takes ${bytes} bytes, more than the ${MAX_LISTEN_REQUEST_BYTES} bytes this server keeps for a stream`;
  }
  const params = (message as { params?: { notifications?: { resourceSubscriptions?: unknown } } }).params;
  const uris = params?.notifications?.resourceSubscriptions;
  if (Array.isArray(uris) && uris.length > MAX_RESOURCE_SUBSCRIPTIONS) {
    return `Invalid params: a listen stream may subscribe to at most ${MAX_RESOURCE_SUBSCRIPTIONS} resources (${uris.length} requested)`;
  }
  return undefined;
}
