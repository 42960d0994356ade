import { Redis } from 'ioredis';
import { McpAuthConfigurationError } from '../mcp-auth-configuration.error.js';
import { resolveOptions } from '../resolve-options.js';
import type { McpAuthOptions } from '../mcp-auth.options.js';

/** With `jwksUri` given, nothing is fetched: the options resolve offline. */
const base: McpAuthOptions = {
  issuer: 'https://idp.example',
  resourceUrl: 'http://127.0.0.1:3000/mcp',
  jwksUri: 'https://idp.example/jwks',
};

describe('redis option', () => {
  it("refuses a client with ioredis' own keyPrefix, which the module's scripts would not see", async () => {
    const client = new Redis({ lazyConnect: true, keyPrefix: 'app:' });
    try {
      const attempt = resolveOptions({ ...base, redis: { client } }, '/mcp');
      await expect(attempt).rejects.toBeInstanceOf(McpAuthConfigurationError);
      await expect(attempt).rejects.toThrow(/redis\.client.*keyPrefix.*set redis\.keyPrefix instead/);
    } finally {
      client.disconnect();
    }
  });

  it('takes a client without one, and prefixes keys with the resource URL by default', async () => {
    const client = new Redis({ lazyConnect: true });
    try {
      const resolved = await resolveOptions({ ...base, redis: { client } }, '/mcp');
      expect(resolved.redis?.keyPrefix).toBe('mcp-auth:http://127.0.0.1:3000/mcp:');
    } finally {
      client.disconnect();
    }
  });
});
