import { ExampleConfigError, loadExampleConfig } from './example-config.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = '3b9e2f51-7c0d-4a8e-b6f2-1d4c5e6f7a80';

describe('example configuration: MCP_AUTH_IDP', () => {
  it('keycloak: URL and realm, or the realm issuer as MCP_AUTH_ISSUER', () => {
    expect(loadExampleConfig({ MCP_AUTH_IDP: 'keycloak', MCP_AUTH_KEYCLOAK_URL: 'https://sso.example.com', MCP_AUTH_KEYCLOAK_REALM: 'acme', MCP_AUTH_KEYCLOAK_CLIENT_ID: 'mcp-api' }).keycloak).toEqual({
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
    expect(config.entra).toEqual({ tenantId: 'organizations', clientId: CLIENT, appIdUri: undefined, acceptV1Tokens: true, cloud: 'usgov', authorityHost: undefined, allowedTenants: [TENANT, CLIENT] });
  });

  it('entra: the single-issuer variables still work (v2 issuer, client id and App ID URI as audiences)', () => {
    const config = loadExampleConfig({ MCP_AUTH_IDP: 'entra', MCP_AUTH_ISSUER: `https://login.microsoftonline.com/${TENANT}/v2.0`, MCP_AUTH_AUDIENCE: `${CLIENT},api://${CLIENT}` });
    expect(config.entra).toMatchObject({ tenantId: TENANT, clientId: CLIENT, appIdUri: `api://${CLIENT}`, authorityHost: undefined });
    const loopback = loadExampleConfig({ MCP_AUTH_IDP: 'entra', MCP_AUTH_ISSUER: `http://127.0.0.1:4000/${TENANT}/v2.0`, MCP_AUTH_AUDIENCE: CLIENT });
    expect(loopback.entra).toMatchObject({ tenantId: TENANT, clientId: CLIENT, authorityHost: 'http://127.0.0.1:4000' });
  });

  it.each([
    [{ MCP_AUTH_IDP: 'entra' }, /MCP_AUTH_ENTRA_TENANT_ID and MCP_AUTH_ENTRA_CLIENT_ID/],
    [{ MCP_AUTH_IDP: 'entra', MCP_AUTH_ISSUER: `https://sts.windows.net/${TENANT}/` }, /must be the v2 issuer/],
    [{ MCP_AUTH_IDP: 'entra', MCP_AUTH_ENTRA_TENANT_ID: TENANT, MCP_AUTH_ENTRA_CLIENT_ID: CLIENT, MCP_AUTH_AUDIENCE: 'a,b' }, /only name the client id and the App ID URI/],
    [{ MCP_AUTH_IDP: 'entra', MCP_AUTH_ENTRA_TENANT_ID: TENANT, MCP_AUTH_ENTRA_CLIENT_ID: CLIENT, MCP_AUTH_ENTRA_CLOUD: 'mars' }, /MCP_AUTH_ENTRA_CLOUD/],
  ])('refuses %j in one line', (env, message) => {
    expect(() => loadExampleConfig(env)).toThrow(ExampleConfigError);
    expect(() => loadExampleConfig(env)).toThrow(message);
  });
});
