import { MAX_EVENT_URI_LENGTH, decodeEventMessage, encodeEventMessage } from './server-event-message.js';

describe('event messages on the Redis channel', () => {
  it('round-trips every kind of event with its origin', () => {
    for (const event of [
      { kind: 'tools_list_changed' },
      { kind: 'prompts_list_changed' },
      { kind: 'resources_list_changed' },
      { kind: 'resource_updated', uri: 'products://catalog' },
    ] as const) {
      expect(decodeEventMessage(encodeEventMessage('replica-a', event))).toEqual({ origin: 'replica-a', event });
    }
  });

  it('leaves forwarded params behind: only the kind and the URI travel', () => {
    const raw = encodeEventMessage('a', { kind: 'resource_updated', uri: 'x://y', params: { _meta: { injected: true } } });
    expect(JSON.parse(raw)).toEqual({ v: 1, origin: 'a', event: { kind: 'resource_updated', uri: 'x://y' } });
  });

  it.each([
    ['not JSON', '{"v":1,'],
    ['JSON but not an object', '[1,2]'],
    ['another format version', JSON.stringify({ v: 2, origin: 'a', event: { kind: 'tools_list_changed' } })],
    ['no origin', JSON.stringify({ v: 1, event: { kind: 'tools_list_changed' } })],
    ['an unknown kind', JSON.stringify({ v: 1, origin: 'a', event: { kind: 'everything_changed' } })],
    ['an update without a URI', JSON.stringify({ v: 1, origin: 'a', event: { kind: 'resource_updated' } })],
    ['an update with an empty URI', JSON.stringify({ v: 1, origin: 'a', event: { kind: 'resource_updated', uri: '' } })],
    ['an update with a URI that is not a string', JSON.stringify({ v: 1, origin: 'a', event: { kind: 'resource_updated', uri: 7 } })],
    [
      'an update with a URI too long',
      JSON.stringify({ v: 1, origin: 'a', event: { kind: 'resource_updated', uri: 'x'.repeat(MAX_EVENT_URI_LENGTH + 1) } }),
    ],
    ['a message far larger than any event', JSON.stringify({ v: 1, origin: 'a'.repeat(10_000), event: { kind: 'tools_list_changed' } })],
  ])('drops %s', (_case, raw) => {
    expect(decodeEventMessage(raw)).toBeUndefined();
  });

  it('keeps only the fields it knows of a valid event', () => {
    const raw = JSON.stringify({ v: 1, origin: 'a', event: { kind: 'tools_list_changed', params: { x: 1 }, extra: true } });
    expect(decodeEventMessage(raw)).toEqual({ origin: 'a', event: { kind: 'tools_list_changed' } });
  });
});
