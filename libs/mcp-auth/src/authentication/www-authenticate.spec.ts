import { formatBearerChallenge, quote } from './www-authenticate.js';

describe('WWW-Authenticate challenges', () => {
  it('formats a no-credentials challenge without an error', () => {
    expect(
      formatBearerChallenge({ resourceMetadata: 'https://api.example.com/.well-known/oauth-protected-resource/mcp', scope: ['a', 'b'] }),
    ).toBe('Bearer scope="a b", resource_metadata="https://api.example.com/.well-known/oauth-protected-resource/mcp"');
  });

  it('formats an insufficient_scope challenge with every parameter', () => {
    expect(
      formatBearerChallenge({ error: 'insufficient_scope', errorDescription: 'needs X', scope: ['X'], resourceMetadata: 'https://m' }),
    ).toBe('Bearer error="insufficient_scope", error_description="needs X", scope="X", resource_metadata="https://m"');
  });

  it('M1 keeps every attribute value within RFC 6750 §3: no quotes, backslashes, controls or non-ASCII', () => {
    expect(quote('say "hi" \\ bye')).toBe('say hi  bye');
    expect(quote('line\r\nbreak\u00e9')).toBe('linebreak');
    const header = formatBearerChallenge({
      error: 'insufficient_scope',
      errorDescription: 'Resource products://items/1" resource_metadata="https://evil.example" \\ scope=Admin.Write',
      scope: ['User.Read', 'bad"scope', 'back\\slash', 'Admin.Write'],
      resourceMetadata: 'https://api.example.com/.well-known/oauth-protected-resource/mcp',
    });
    const values = [...header.matchAll(/([a-z_]+)="([^"]*)"/g)];
    expect(values.map(([, name]) => name)).toEqual(['error', 'error_description', 'scope', 'resource_metadata']);
    // Whatever is left of the header once the four quoted values are taken out: separators only.
    expect(header.replace(/([a-z_]+)="([^"]*)"/g, '')).toBe('Bearer , , , ');
    for (const [, , value] of values) expect(value).toMatch(/^[\x20\x21\x23-\x5B\x5D-\x7E]*$/);
  });

  it('M1 leaves no name=value pair inside a description for a first-match parser to find', () => {
    const header = formatBearerChallenge({
      error: 'insufficient_scope',
      errorDescription: 'x resource_metadata=http:127.0.0.1:1 scope=Admin.Write',
      scope: ['User.Read'],
      resourceMetadata: 'https://m',
    });
    // The official SDK's parser: the first `name=` anywhere, quoted or not.
    const first = (name: string) => new RegExp(`${name}=(?:"([^"]+)"|([^\\s,]+))`).exec(header)?.slice(1).find(Boolean);
    expect(first('resource_metadata')).toBe('https://m');
    expect(first('scope')).toBe('User.Read');
  });

  it('M1 drops a scope that is not an RFC 6749 scope-token rather than break the header', () => {
    expect(formatBearerChallenge({ scope: ['a"b', 'ok'], resourceMetadata: 'https://m' })).toBe(
      'Bearer scope="ok", resource_metadata="https://m"',
    );
  });
});
