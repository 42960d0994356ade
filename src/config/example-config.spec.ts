import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXAMPLE_DATA_DIR, ExampleConfigError, loadExampleConfig } from './example-config.js';
import { requestStateKeyOf } from './request-state-key.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = '3b9e2f51-7c0d-4a8e-b6f2-1d4c5e6f7a80';

describe('example configuration: MCP_AUTH_IDP', () => {
  it('keycloak: URL and realm, or the realm issuer as MCP_AUTH_ISSUER', () => {
    expect(
      loadExampleConfig({
        MCP_AUTH_IDP: 'keycloak',
        MCP_AUTH_KEYCLOAK_URL: 'https://sso.example.com',
        MCP_AUTH_KEYCLOAK_REALM: 'acme',
        MCP_AUTH_KEYCLOAK_CLIENT_ID: 'mcp-api',
      }).keycloak,
    ).toEqual({
      url: 'https://sso.example.com',
      realm: 'acme',
      clientId: 'mcp-api',
    });
    expect(loadExampleConfig({ MCP_AUTH_IDP: 'keycloak', MCP_AUTH_ISSUER: 'https://sso.example.com/auth/realms/acme' }).keycloak).toEqual({
      url: 'https://sso.example.com/auth',
      realm: 'acme',
      clientId: undefined,
    });
    expect(() => loadExampleConfig({ MCP_AUTH_IDP: 'keycloak' })).toThrow(/MCP_AUTH_KEYCLOAK_URL and MCP_AUTH_KEYCLOAK_REALM/);
  });

  it('entra: the MCP_AUTH_ENTRA_* variables', () => {
    const config = loadExampleConfig({
      MCP_AUTH_IDP: 'entra',
      MCP_AUTH_ENTRA_TENANT_ID: 'organizations',
      MCP_AUTH_ENTRA_CLIENT_ID: CLIENT,
      MCP_AUTH_ENTRA_ALLOWED_TENANTS: `${TENANT}, ${CLIENT}`,
      MCP_AUTH_ENTRA_ACCEPT_V1_TOKENS: 'true',
      MCP_AUTH_ENTRA_CLOUD: 'usgov',
    });
    expect(config.entra).toEqual({
      tenantId: 'organizations',
      clientId: CLIENT,
      appIdUri: undefined,
      acceptV1Tokens: true,
      cloud: 'usgov',
      authorityHost: undefined,
      allowedTenants: [TENANT, CLIENT],
    });
  });

  it('entra: the single-issuer variables still work (v2 issuer, client id and App ID URI as audiences)', () => {
    const config = loadExampleConfig({
      MCP_AUTH_IDP: 'entra',
      MCP_AUTH_ISSUER: `https://login.microsoftonline.com/${TENANT}/v2.0`,
      MCP_AUTH_AUDIENCE: `${CLIENT},api://${CLIENT}`,
    });
    expect(config.entra).toMatchObject({ tenantId: TENANT, clientId: CLIENT, appIdUri: `api://${CLIENT}`, authorityHost: undefined });
    const loopback = loadExampleConfig({
      MCP_AUTH_IDP: 'entra',
      MCP_AUTH_ISSUER: `http://127.0.0.1:4000/${TENANT}/v2.0`,
      MCP_AUTH_AUDIENCE: CLIENT,
    });
    expect(loopback.entra).toMatchObject({ tenantId: TENANT, clientId: CLIENT, authorityHost: 'http://127.0.0.1:4000' });
  });

  it.each([
    [{ MCP_AUTH_IDP: 'entra' }, /MCP_AUTH_ENTRA_TENANT_ID and MCP_AUTH_ENTRA_CLIENT_ID/],
    [{ MCP_AUTH_IDP: 'entra', MCP_AUTH_ISSUER: `https://sts.windows.net/${TENANT}/` }, /must be the v2 issuer/],
    [
      { MCP_AUTH_IDP: 'entra', MCP_AUTH_ENTRA_TENANT_ID: TENANT, MCP_AUTH_ENTRA_CLIENT_ID: CLIENT, MCP_AUTH_AUDIENCE: 'a,b' },
      /only name the client id and the App ID URI/,
    ],
    [
      { MCP_AUTH_IDP: 'entra', MCP_AUTH_ENTRA_TENANT_ID: TENANT, MCP_AUTH_ENTRA_CLIENT_ID: CLIENT, MCP_AUTH_ENTRA_CLOUD: 'mars' },
      /MCP_AUTH_ENTRA_CLOUD/,
    ],
  ])('refuses %j in one line', (env, message) => {
    expect(() => loadExampleConfig(env)).toThrow(ExampleConfigError);
    expect(() => loadExampleConfig(env)).toThrow(message);
  });
});

describe('example configuration: MCP_AUTH_REQUIRE_AT_JWT', () => {
  it('is off unless set, and applies to verified JWTs only', () => {
    expect(loadExampleConfig({}).requireAtJwt).toBe(false);
    expect(loadExampleConfig({ MCP_AUTH_REQUIRE_AT_JWT: 'true' }).requireAtJwt).toBe(true);
    expect(() => loadExampleConfig({ MCP_AUTH_REQUIRE_AT_JWT: 'maybe' })).toThrow(/MCP_AUTH_REQUIRE_AT_JWT must be true or false/);
    expect(() => loadExampleConfig({ MCP_AUTH_REQUIRE_AT_JWT: 'true', MCP_AUTH_MODE: 'introspection' })).toThrow(/applies to JWTs/);
  });
});

describe('example configuration: MCP_PROTOCOL', () => {
  it('is dual unless set, takes modern or legacy, and refuses anything else naming the variable', () => {
    expect(loadExampleConfig({}).protocol).toBe('dual');
    expect(loadExampleConfig({ MCP_PROTOCOL: 'modern' }).protocol).toBe('modern');
    expect(loadExampleConfig({ MCP_PROTOCOL: ' legacy ' }).protocol).toBe('legacy');
    expect(() => loadExampleConfig({ MCP_PROTOCOL: '2026-07-28' })).toThrow(/MCP_PROTOCOL must be dual, modern or legacy/);
  });
});

describe('example configuration: limits', () => {
  it('reads each limit variable, leaving unset ones to the library defaults', () => {
    expect(loadExampleConfig({}).limits).toEqual({
      maxSessions: undefined,
      maxSessionsPerSubject: undefined,
      maxListenStreams: undefined,
      maxListenStreamsPerSubject: undefined,
      sessionMaxLifetimeMs: undefined,
      requestTimeoutMs: undefined,
      maxRequestBodyBytes: undefined,
      bodyTimeoutMs: undefined,
      maxHeaderBytes: undefined,
      shutdownTimeoutMs: undefined,
      rateLimitPerMinute: undefined,
      unauthenticatedLimitPerMinute: undefined,
    });
    expect(
      loadExampleConfig({
        MCP_MAX_SESSIONS: '500',
        MCP_MAX_SESSIONS_PER_SUBJECT: '5',
        MCP_MAX_LISTEN_STREAMS: '2000',
        MCP_MAX_LISTEN_STREAMS_PER_SUBJECT: '4',
        MCP_SESSION_MAX_LIFETIME_MS: '3600000',
        MCP_REQUEST_TIMEOUT_MS: '30000',
        MCP_MAX_BODY_BYTES: '65536',
        MCP_BODY_TIMEOUT_MS: '15000',
        MCP_MAX_HEADER_BYTES: '8192',
        MCP_SHUTDOWN_TIMEOUT_MS: '5000',
        MCP_RATE_LIMIT_PER_MINUTE: '120',
        MCP_UNAUTHENTICATED_LIMIT_PER_MINUTE: '30',
      }).limits,
    ).toEqual({
      maxSessions: 500,
      maxSessionsPerSubject: 5,
      maxListenStreams: 2000,
      maxListenStreamsPerSubject: 4,
      sessionMaxLifetimeMs: 3_600_000,
      requestTimeoutMs: 30_000,
      maxRequestBodyBytes: 65_536,
      bodyTimeoutMs: 15_000,
      maxHeaderBytes: 8_192,
      shutdownTimeoutMs: 5_000,
      rateLimitPerMinute: 120,
      unauthenticatedLimitPerMinute: 30,
    });
  });

  it('refuses a limit that is not a positive whole number, naming the variable', () => {
    expect(() => loadExampleConfig({ MCP_MAX_SESSIONS: '0' })).toThrow(ExampleConfigError);
    expect(() => loadExampleConfig({ MCP_RATE_LIMIT_PER_MINUTE: 'lots' })).toThrow(
      /MCP_RATE_LIMIT_PER_MINUTE must be a positive whole number/,
    );
  });
});

describe('example configuration: MCP_LISTING', () => {
  it('is all by default on the example (so that clients reach the step-up), and reads granted or all', () => {
    expect(loadExampleConfig({}).listing).toBe('all');
    expect(loadExampleConfig({ MCP_LISTING: 'all' }).listing).toBe('all');
    expect(loadExampleConfig({ MCP_LISTING: ' Granted ' }).listing).toBe('granted');
  });

  it('refuses any other value, naming the variable', () => {
    expect(() => loadExampleConfig({ MCP_LISTING: 'everything' })).toThrow(/MCP_LISTING must be granted or all \(got "everything"\)/);
  });
});

describe('example configuration: MCP_BASELINE_SCOPES', () => {
  it('L6 defaults to User.Read, and takes a comma- or space-separated list', () => {
    expect(loadExampleConfig({}).baselineScopes).toEqual(['User.Read']);
    expect(loadExampleConfig({ MCP_BASELINE_SCOPES: 'User.Read, User.Write' }).baselineScopes).toEqual(['User.Read', 'User.Write']);
    expect(loadExampleConfig({ MCP_BASELINE_SCOPES: 'User.Read User.Write' }).baselineScopes).toEqual(['User.Read', 'User.Write']);
  });
});

describe('example configuration: the resource URL and the embedded provider', () => {
  it('defaults the resource URL to the address the server is reached at', () => {
    expect(loadExampleConfig({}).resourceUrl).toBe('http://127.0.0.1:3000/mcp');
    expect(loadExampleConfig({ HOST: '::1', PORT: '8080' }).resourceUrl).toBe('http://[::1]:8080/mcp');
    expect(loadExampleConfig({ HOST: 'localhost' }).resourceUrl).toBe('http://localhost:3000/mcp');
    expect(loadExampleConfig({ HOST: '0.0.0.0' }).resourceUrl).toBe('http://127.0.0.1:3000/mcp');
    expect(loadExampleConfig({ HOST: '::' }).resourceUrl).toBe('http://localhost:3000/mcp');
    expect(loadExampleConfig({ HOST: '0.0.0.0', MCP_RESOURCE_URL: 'https://mcp.example.com/mcp/' }).resourceUrl).toBe(
      'https://mcp.example.com/mcp',
    );
  });

  it('MCP_EXAMPLE_IDP_PORT pins the embedded provider (default: the server port + 1, so its URL survives a restart)', () => {
    expect(loadExampleConfig({}).idpPort).toBe(3001);
    expect(loadExampleConfig({ PORT: '8080' }).idpPort).toBe(8081);
    // With any free port for the server, the provider takes any free port too.
    expect(loadExampleConfig({ PORT: '0' }).idpPort).toBe(0);
    expect(loadExampleConfig({ MCP_EXAMPLE_IDP_PORT: '3999' }).idpPort).toBe(3999);
    expect(loadExampleConfig({ MCP_EXAMPLE_IDP_PORT: '0' }).idpPort).toBe(0);
    expect(() => loadExampleConfig({ MCP_EXAMPLE_IDP_PORT: 'x' })).toThrow(/MCP_EXAMPLE_IDP_PORT must be a port number/);
  });
});

describe('example configuration: MCP_EXAMPLE_IDP_KEY_FILE and MCP_EXAMPLE_IDP_DB', () => {
  const projectData = fileURLToPath(new URL('../../.data/', import.meta.url));

  it('keeps the embedded provider key in the project by default (.data/ is git-ignored)', () => {
    expect(EXAMPLE_DATA_DIR).toBe(projectData);
    expect(loadExampleConfig({}).idpKeyFile).toBe(join(projectData, 'dev-idp-key.json'));
    expect(loadExampleConfig({ MCP_EXAMPLE_IDP_KEY_FILE: ' .dev/idp-key.json ' }).idpKeyFile).toBe('.dev/idp-key.json');
    expect(readFileSync(new URL('../../.gitignore', import.meta.url), 'utf8').split('\n')).toContain('.data/');
  });

  it("keeps the provider's clients and grants in a SQLite file per provider port, in memory when that port is any free one", () => {
    expect(loadExampleConfig({}).idpDatabasePath).toBe(join(projectData, 'dev-idp-3001.sqlite'));
    expect(loadExampleConfig({ MCP_EXAMPLE_IDP_PORT: '4001' }).idpDatabasePath).toBe(join(projectData, 'dev-idp-4001.sqlite'));
    expect(loadExampleConfig({ PORT: '0' }).idpDatabasePath).toBe(':memory:');
    expect(loadExampleConfig({ MCP_EXAMPLE_IDP_DB: '/tmp/idp.sqlite' }).idpDatabasePath).toBe('/tmp/idp.sqlite');
  });
});

describe('example configuration: MCP_METRICS, MCP_METRICS_PORT, MCP_HEALTH', () => {
  it('metrics are off by default; true serves /metrics, a path serves there, a port serves on its own port', () => {
    expect(loadExampleConfig({}).metrics).toBeUndefined();
    expect(loadExampleConfig({ MCP_METRICS: 'false' }).metrics).toBeUndefined();
    expect(loadExampleConfig({ MCP_METRICS: 'true' }).metrics).toEqual({});
    expect(loadExampleConfig({ MCP_METRICS: '/internal/metrics' }).metrics).toEqual({ path: '/internal/metrics' });
    expect(loadExampleConfig({ MCP_METRICS_PORT: '9464' }).metrics).toEqual({ port: 9464 });
    expect(loadExampleConfig({ MCP_METRICS: 'true', MCP_METRICS_PORT: '9464' }).metrics).toEqual({ port: 9464 });
  });

  it('refuses other values, naming the variable', () => {
    expect(() => loadExampleConfig({ MCP_METRICS: 'yes' })).toThrow(/^MCP_METRICS must be true, false or a path/);
    expect(() => loadExampleConfig({ MCP_METRICS: '/metrics/' })).toThrow(/^MCP_METRICS must be/);
    expect(() => loadExampleConfig({ MCP_METRICS_PORT: '70000' })).toThrow(/^MCP_METRICS_PORT must be a port number/);
    expect(() => loadExampleConfig({ MCP_METRICS: 'false', MCP_METRICS_PORT: '9464' })).toThrow(/^MCP_METRICS_PORT needs metrics on/);
    expect(() => loadExampleConfig({ MCP_HEALTH: 'maybe' })).toThrow(/^MCP_HEALTH must be true or false/);
  });

  it('the health endpoints are off by default, on with MCP_HEALTH=true', () => {
    expect(loadExampleConfig({}).health).toBe(false);
    expect(loadExampleConfig({ MCP_HEALTH: 'true' }).health).toBe(true);
  });
});

describe('example configuration: MCP_EXAMPLE_PLATFORM', () => {
  it('chooses the HTTP platform (default: express)', () => {
    expect(loadExampleConfig({}).platform).toBe('express');
    expect(loadExampleConfig({ MCP_EXAMPLE_PLATFORM: 'fastify' }).platform).toBe('fastify');
    expect(loadExampleConfig({ MCP_EXAMPLE_PLATFORM: ' Express ' }).platform).toBe('express');
  });

  it('refuses any other platform in one line naming the variable', () => {
    expect(() => loadExampleConfig({ MCP_EXAMPLE_PLATFORM: 'koa' })).toThrow(ExampleConfigError);
    expect(() => loadExampleConfig({ MCP_EXAMPLE_PLATFORM: 'koa' })).toThrow('MCP_EXAMPLE_PLATFORM must be express or fastify (got "koa")');
  });
});

describe('example configuration: MCP_REDIS_URL', () => {
  it('is unset by default (all state in one process), and takes a redis:// or rediss:// URL', () => {
    expect(loadExampleConfig({}).redisUrl).toBeUndefined();
    expect(loadExampleConfig({ MCP_REDIS_URL: ' redis://10.0.0.5:6379/0 ' }).redisUrl).toBe('redis://10.0.0.5:6379/0');
    expect(loadExampleConfig({ MCP_REDIS_URL: 'rediss://cache.example.com' }).redisUrl).toBe('rediss://cache.example.com');
  });

  it('refuses anything else, naming the variable without echoing it (it may hold a password)', () => {
    const attempt = () => loadExampleConfig({ MCP_REDIS_URL: 'http://user:secret@cache.example.com' });
    expect(attempt).toThrow(ExampleConfigError);
    expect(attempt).toThrow(/^MCP_REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL$/);
  });
});

describe("example configuration: the example's own enhancers", () => {
  it('logs calls by default and is writable by default; MCP_EXAMPLE_LOG_CALLS and MCP_EXAMPLE_READ_ONLY change that', () => {
    expect(loadExampleConfig({})).toMatchObject({ logCalls: true, readOnly: false });
    expect(loadExampleConfig({ MCP_EXAMPLE_LOG_CALLS: 'false', MCP_EXAMPLE_READ_ONLY: 'true' })).toMatchObject({
      logCalls: false,
      readOnly: true,
    });
    expect(() => loadExampleConfig({ MCP_EXAMPLE_READ_ONLY: 'yes' })).toThrow('MCP_EXAMPLE_READ_ONLY must be true or false (got "yes")');
  });
});

describe('example configuration: MCP_DPOP, MCP_DPOP_NONCE_SECRET', () => {
  it('allows DPoP-bound tokens by default, and takes off, allowed or required', () => {
    expect(loadExampleConfig({}).dpop).toEqual({ mode: 'allowed' });
    expect(loadExampleConfig({ MCP_DPOP: 'required' }).dpop).toEqual({ mode: 'required' });
    expect(loadExampleConfig({ MCP_DPOP: ' OFF ' }).dpop).toEqual({ mode: 'off' });
    expect(() => loadExampleConfig({ MCP_DPOP: 'maybe' })).toThrow('MCP_DPOP must be off, allowed or required (got "maybe")');
  });

  it('is off by default with Entra ID, which issues no DPoP-bound tokens for your own APIs', () => {
    const entra = { MCP_AUTH_IDP: 'entra', MCP_AUTH_ENTRA_TENANT_ID: TENANT, MCP_AUTH_ENTRA_CLIENT_ID: CLIENT };
    expect(loadExampleConfig(entra).dpop).toEqual({ mode: 'off' });
    expect(loadExampleConfig({ ...entra, MCP_DPOP: 'allowed' }).dpop).toEqual({ mode: 'allowed' });
  });

  it('turns on server nonces with a secret of at least 32 bytes, never echoing it', () => {
    const secret = 'n'.repeat(32);
    expect(loadExampleConfig({ MCP_DPOP_NONCE_SECRET: secret }).dpop).toEqual({ mode: 'allowed', nonceSecret: secret });
    const short = () => loadExampleConfig({ MCP_DPOP_NONCE_SECRET: 'too-short-secret' });
    expect(short).toThrow(/^MCP_DPOP_NONCE_SECRET must be at least 32 bytes/);
    expect(short).not.toThrow(/too-short-secret/);
    expect(() => loadExampleConfig({ MCP_DPOP: 'off', MCP_DPOP_NONCE_SECRET: secret })).toThrow(/needs MCP_DPOP=allowed or required/);
  });
});

describe('example configuration: the key sealing questions to the user (issue 22)', () => {
  const key = 'k'.repeat(32);

  it('reads MCP_REQUEST_STATE_KEY or MCP_REQUEST_STATE_KEY_FILE; neither leaves the key to the library', () => {
    expect(loadExampleConfig({}).requestState).toEqual({});
    expect(loadExampleConfig({ MCP_REQUEST_STATE_KEY: key }).requestState).toEqual({ key });
    expect(loadExampleConfig({ MCP_REQUEST_STATE_KEY_FILE: '/tmp/state.key' }).requestState).toEqual({ keyFile: '/tmp/state.key' });
  });

  it('refuses a key shorter than 32 bytes, and both variables at once', () => {
    expect(() => loadExampleConfig({ MCP_REQUEST_STATE_KEY: 'short' })).toThrow(/^MCP_REQUEST_STATE_KEY must be at least 32 bytes/);
    expect(() => loadExampleConfig({ MCP_REQUEST_STATE_KEY: key, MCP_REQUEST_STATE_KEY_FILE: '/tmp/state.key' })).toThrow(
      'Set MCP_REQUEST_STATE_KEY or MCP_REQUEST_STATE_KEY_FILE, not both',
    );
  });

  it('keeps a key made on first use in MCP_REQUEST_STATE_KEY_FILE, readable by its owner only, and reads it back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'state-key-'));
    try {
      const keyFile = join(dir, 'nested', 'request-state.key');
      const made = requestStateKeyOf({ keyFile });
      expect(Buffer.byteLength(made!, 'utf8')).toBeGreaterThanOrEqual(32);
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      expect(requestStateKeyOf({ keyFile })).toBe(made);
      writeFileSync(keyFile, 'short');
      expect(() => requestStateKeyOf({ keyFile })).toThrow(/holds fewer than 32 bytes; delete it/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
