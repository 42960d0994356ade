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

  it('escapes quotes and backslashes and drops characters a header cannot carry', () => {
    expect(quote('say "hi" \\ bye')).toBe('say \\"hi\\" \\\\ bye');
    expect(quote('line\r\nbreak\u00e9')).toBe('linebreak');
  });
});
