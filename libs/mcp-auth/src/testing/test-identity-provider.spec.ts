import { decodeJwt, decodeProtectedHeader } from 'jose';
import { startTestIdentityProvider } from './test-identity-provider.js';
import type { TestIdentityProvider } from './test-identity-provider.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';

describe('test identity provider', () => {
  const started: TestIdentityProvider[] = [];
  const start = async (...args: Parameters<typeof startTestIdentityProvider>) => {
    const idp = await startTestIdentityProvider(...args);
    started.push(idp);
    return idp;
  };
  afterAll(() => Promise.all(started.map((idp) => idp.close())));

  const json = async (url: string) => {
    const response = await fetch(url);
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };

  it('keycloak: realm discovery and certs at the Keycloak paths; tokens typ Bearer, azp, aud account', async () => {
    const idp = await start({ shape: 'keycloak', realm: 'acme' });
    expect(idp.issuer).toBe(`${idp.url}/realms/acme`);
    const discovery = await json(`${idp.url}/realms/acme/.well-known/openid-configuration`);
    expect(discovery.body).toMatchObject({
      issuer: idp.issuer,
      jwks_uri: `${idp.issuer}/protocol/openid-connect/certs`,
      code_challenge_methods_supported: ['plain', 'S256'],
    });
    expect((await json(`${idp.issuer}/protocol/openid-connect/certs`)).body.keys).toEqual([idp.key.publicJwk]);
    const token = await idp.token({ scope: 'openid' });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'RS256', kid: idp.key.kid, typ: 'JWT' });
    expect(decodeJwt(token)).toMatchObject({ iss: idp.issuer, aud: 'account', typ: 'Bearer', azp: 'test-client', scope: 'openid' });
    expect(idp.jwksRequests).toBe(1);
  });

  it('entra: tenant discovery (no code_challenge_methods_supported) and keys; v2 and v1 tokens of any tenant', async () => {
    const idp = await start({ shape: 'entra', tenantId: TENANT, audience: 'api-client' });
    const discovery = await json(`${idp.url}/${TENANT}/v2.0/.well-known/openid-configuration`);
    expect(discovery.body).toMatchObject({ issuer: `${idp.url}/${TENANT}/v2.0`, jwks_uri: `${idp.url}/${TENANT}/discovery/v2.0/keys` });
    expect(discovery.body).not.toHaveProperty('code_challenge_methods_supported');
    expect((await json(`${idp.url}/organizations/v2.0/.well-known/openid-configuration`)).body.issuer).toBe(`${idp.url}/{tenantid}/v2.0`);
    expect((await json(`${idp.url}/organizations/discovery/v2.0/keys`)).body.keys).toHaveLength(1);
    expect(decodeJwt(await idp.token({ scp: 'User.Read' }))).toMatchObject({
      iss: `${idp.url}/${TENANT}/v2.0`,
      aud: 'api-client',
      tid: TENANT,
      ver: '2.0',
      scp: 'User.Read',
    });
    const v1 = decodeJwt(await idp.token({}, { tenantId: 'other', version: 1 }));
    expect(v1).toMatchObject({ iss: 'https://sts.windows.net/other/', tid: 'other', ver: '1.0' });
    expect(v1).toHaveProperty('appid');
    expect(v1).not.toHaveProperty('azp');
  });

  it('oidc: root discovery and /jwks; claims set to undefined are left out', async () => {
    const idp = await start();
    expect((await json(`${idp.url}/.well-known/openid-configuration`)).body).toMatchObject({
      issuer: idp.url,
      jwks_uri: `${idp.url}/jwks`,
    });
    expect(decodeJwt(await idp.token({ exp: undefined, custom: 1 }))).not.toHaveProperty('exp');
    expect((await fetch(`${idp.url}/nothing`)).status).toBe(404);
  });
});
