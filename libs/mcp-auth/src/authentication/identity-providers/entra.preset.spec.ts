import { McpAuthConfigurationError } from '../../mcp-auth-configuration.error.js';
import { entra } from './entra.preset.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const OTHER = '4a1b2c3d-0000-4e5f-8a9b-0c1d2e3f4a5b';
const CLIENT = '3b9e2f51-7c0d-4a8e-b6f2-1d4c5e6f7a80';

describe('entra()', () => {
  const single = entra({ tenantId: TENANT, clientId: CLIENT });

  it('trusts the v2 issuer of its tenant, with the client id and App ID URI as audiences', () => {
    expect(single).toMatchObject({
      name: 'entra',
      issuer: [`https://login.microsoftonline.com/${TENANT}/v2.0`, `https://sts.windows.net/${TENANT}/`],
      audience: [CLIENT, `api://${CLIENT}`],
      jwksUri: `https://login.microsoftonline.com/${TENANT}/discovery/v2.0/keys`,
      authorizationServers: [`https://login.microsoftonline.com/${TENANT}/v2.0`],
    });
  });

  it('refuses v1 tokens before any key fetch, saying how to get v2 ones, unless they are accepted', () => {
    const v1 = { iss: `https://sts.windows.net/${TENANT}/`, aud: `api://${CLIENT}` };
    expect(single.screen!(v1, {})).toMatchObject({
      code: 'wrong_issuer',
      description: expect.stringContaining('set accessTokenAcceptedVersion to 2'),
    });
    expect(single.checkClaims!({ ...v1, tid: TENANT, oid: 'o' })?.code).toBe('wrong_issuer');
    const lenient = entra({ tenantId: TENANT, clientId: CLIENT, acceptV1Tokens: true });
    expect(lenient.screen!(v1, {})).toBeUndefined();
    expect(lenient.checkClaims!({ ...v1, tid: TENANT, oid: 'o' })).toBeUndefined();
  });

  it('follows the cloud or an explicit authority host', () => {
    expect(entra({ tenantId: TENANT, clientId: CLIENT, cloud: 'china' }).jwksUri).toBe(
      `https://login.chinacloudapi.cn/${TENANT}/discovery/v2.0/keys`,
    );
    expect(entra({ tenantId: TENANT, clientId: CLIENT, cloud: 'usgov' }).authorizationServers).toEqual([
      `https://login.microsoftonline.us/${TENANT}/v2.0`,
    ]);
    expect(entra({ tenantId: TENANT, clientId: CLIENT, authorityHost: 'http://127.0.0.1:4000/' }).authorizationServers).toEqual([
      `http://127.0.0.1:4000/${TENANT}/v2.0`,
    ]);
  });

  it.each([
    ['usgov', 'v2', `https://login.microsoftonline.us/${TENANT}/v2.0`],
    ['usgov', 'v1', `https://sts.windows.net/${TENANT}/`],
    ['usgov', 'v1', `https://login.microsoftonline.us/${TENANT}/`],
    ['china', 'v2', `https://login.chinacloudapi.cn/${TENANT}/v2.0`],
    ['china', 'v2', `https://login.partner.microsoftonline.cn/${TENANT}/v2.0`],
    ['china', 'v1', `https://sts.chinacloudapi.cn/${TENANT}/`],
  ] as const)('accepts a %s %s token issued as %s (both forms Microsoft documents)', (cloud, version, iss) => {
    const preset = entra({ tenantId: TENANT, clientId: CLIENT, cloud, acceptV1Tokens: version === 'v1' });
    expect(preset.issuer).toContain(iss);
    expect(preset.screen!({ iss, aud: CLIENT }, {})).toBeUndefined();
    expect(preset.checkClaims!({ iss, aud: CLIENT, tid: TENANT, oid: 'o' })).toBeUndefined();
    expect(preset.checkClaims!({ iss: iss.replace(TENANT, OTHER), aud: CLIENT, tid: TENANT, oid: 'o' })?.code).toBe('wrong_issuer');
  });

  it('refuses a sovereign cloud v1 token unless v1 tokens are accepted', () => {
    const gov = entra({ tenantId: TENANT, clientId: CLIENT, cloud: 'usgov' });
    expect(gov.screen!({ iss: `https://sts.windows.net/${TENANT}/`, aud: `api://${CLIENT}` }, {})?.code).toBe('wrong_issuer');
    expect(gov.checkClaims!({ iss: `https://login.microsoftonline.us/${TENANT}/`, tid: TENANT, oid: 'o' })?.code).toBe('wrong_issuer');
  });

  it.each([
    ['delegated (scp string)', { scp: 'User.Read User.Write' }, ['User.Read', 'User.Write']],
    ['app-only (roles)', { roles: ['Admin.Write', 'Reports.All'] }, ['Admin.Write', 'Reports.All']],
    ['M3 delegated with user app roles: the consented scopes only', { scp: 'User.Read', roles: ['Approver'] }, ['User.Read']],
    ['a scope claim Entra never sends', { scope: 'ignored' }, []],
  ])('maps %s', (_case, claims, scopes) => {
    expect(single.claimsToScopes!(claims)).toEqual(scopes);
  });

  it('M3 counts the user app roles of a delegated token only with rolesAsScopes always', () => {
    const always = entra({ tenantId: TENANT, clientId: CLIENT, rolesAsScopes: 'always' });
    expect(always.claimsToScopes!({ scp: 'User.Read', roles: ['Approver'] })).toEqual(['User.Read', 'Approver']);
  });

  it("accepts no DPoP-bound tokens unless told (Entra issues none for your APIs), whatever the module's dpop.mode", () => {
    expect(single.dpop).toBe('off');
    expect(entra({ tenantId: TENANT, clientId: CLIENT, dpop: 'allowed' }).dpop).toBe('allowed');
  });

  it('keys the principal by tid and oid', () => {
    expect(single.subjectOf!({ tid: TENANT, oid: 'o-1', sub: 'pairwise' })).toBe(`${TENANT}/o-1`);
  });

  it('advertises api:// scopes, leaving absolute ones alone', () => {
    expect(single.advertisedScope!('User.Read')).toBe(`api://${CLIENT}/User.Read`);
    expect(entra({ tenantId: TENANT, clientId: CLIENT, appIdUri: 'https://contoso.com/mcp/' }).advertisedScope!('User.Read')).toBe(
      'https://contoso.com/mcp/User.Read',
    );
    expect(single.advertisedScope!(`api://${CLIENT}/User.Read`)).toBe(`api://${CLIENT}/User.Read`);
  });

  it("accepts the https Application ID URI of Microsoft's MCP guide beside the client id, and advertises scopes under it", () => {
    const https = entra({ tenantId: TENANT, clientId: CLIENT, appIdUri: ['https://mcp.contoso.com/mcp', `api://${CLIENT}`] });
    expect(https.audience).toEqual([CLIENT, 'https://mcp.contoso.com/mcp', `api://${CLIENT}`]);
    expect(https.advertisedScope!('User.Read')).toBe('https://mcp.contoso.com/mcp/User.Read');
  });

  it("fills in the on-behalf-of flow on the v2 endpoint of the tenant, or of the caller's tenant when multi-tenant", () => {
    const single = entra({ tenantId: TENANT, clientId: CLIENT, downstream: { clientSecret: 'secret' } }).downstream!;
    expect(single).toMatchObject({
      flow: 'entra-on-behalf-of',
      clientId: CLIENT,
      clientSecret: 'secret',
      clientAuthMethod: 'client_secret_post',
      tokenEndpoint: `https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/token`,
    });
    expect((single.consentUrl as (request: object) => string)({ scopes: ['https://graph.microsoft.com/User.Read'] })).toBe(
      `https://login.microsoftonline.com/${TENANT}/v2.0/adminconsent?client_id=${CLIENT}&scope=https%3A%2F%2Fgraph.microsoft.com%2FUser.Read`,
    );
    const multi = entra({ tenantId: 'organizations', clientId: CLIENT, allowedTenants: [TENANT], downstream: { clientSecret: 'secret' } });
    const endpoint = multi.downstream!.tokenEndpoint as (principal: { claims: Record<string, unknown> }) => string;
    expect(endpoint({ claims: { tid: TENANT } })).toBe(`https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/token`);
  });

  it.each([['00000003-0000-0000-c000-000000000000'], ['https://graph.microsoft.com'], [['https://graph.microsoft.com', CLIENT]]])(
    'screens out a Microsoft Graph token (aud %j) with a clear reason',
    (aud) => {
      // Graph tokens carry the v1 issuer: the audience is the mistake to report, not the version.
      const rejection = single.screen!({ aud, iss: `https://sts.windows.net/${TENANT}/` }, { alg: 'RS256', nonce: 'x' });
      expect(rejection?.code).toBe('wrong_audience');
      expect(rejection?.description).toBe(
        `The access token was issued for Microsoft Graph, not for this API: request a token for api://${CLIENT}/<scope> (or api://${CLIENT}/.default)`,
      );
    },
  );

  describe('claim checks', () => {
    const multi = entra({
      tenantId: 'organizations',
      clientId: CLIENT,
      allowedTenants: [TENANT, OTHER.toUpperCase()],
      acceptV1Tokens: true,
    });
    const v2 = (tid: string) => `https://login.microsoftonline.com/${tid}/v2.0`;

    it.each([
      ['the v2 issuer of an allowed tenant', { tid: TENANT, iss: v2(TENANT), oid: 'o' }, undefined],
      ['the v1 issuer of an allowed tenant', { tid: OTHER, iss: `https://sts.windows.net/${OTHER}/`, oid: 'o' }, undefined],
      ['a tenant outside the allow-list', { tid: '9e8d7c6b-1111-4a2b-9c3d-4e5f6a7b8c9d', iss: v2(TENANT), oid: 'o' }, 'wrong_issuer'],
      ["one tenant's issuer with another's tid", { tid: OTHER, iss: v2(TENANT), oid: 'o' }, 'wrong_issuer'],
      ['no tid', { iss: v2(TENANT), oid: 'o' }, 'wrong_issuer'],
      ['no oid', { tid: TENANT, iss: v2(TENANT) }, 'missing_subject'],
    ])('%s → %s', (_case, claims, code) => {
      expect(multi.checkClaims!(claims)?.code).toBe(code);
    });

    it('routes every allowed tenant, keys from the multi-tenant endpoint', () => {
      expect(multi.issuer).toEqual([v2(TENANT), `https://sts.windows.net/${TENANT}/`, v2(OTHER), `https://sts.windows.net/${OTHER}/`]);
      expect(multi.jwksUri).toBe('https://login.microsoftonline.com/organizations/discovery/v2.0/keys');
      expect(multi.authorizationServers).toEqual([v2(TENANT), v2(OTHER)]);
    });
  });

  it.each([
    [{ tenantId: 'common', clientId: CLIENT }, 'entra({ allowedTenants })', /is required with tenantId "common"/],
    [{ tenantId: 'contoso.onmicrosoft.com', clientId: CLIENT }, 'entra({ tenantId })', /GUID/],
    [{ tenantId: TENANT, clientId: 'my-api' }, 'entra({ clientId })', /GUID/],
    [{ tenantId: TENANT, clientId: CLIENT, allowedTenants: [OTHER] }, 'entra({ allowedTenants })', /multi-tenant/],
    [{ tenantId: TENANT, clientId: CLIENT, cloud: 'mars' }, 'entra({ cloud })', /public, usgov, china/],
    [{ tenantId: TENANT, clientId: CLIENT, cloud: 'china', authorityHost: 'https://x' }, 'entra({ authorityHost })', /alternatives/],
    [{ tenantId: TENANT, clientId: CLIENT, appIdUri: 'my-api' }, 'entra({ appIdUri })', /Application ID URI/],
    [{ tenantId: TENANT, clientId: CLIENT, rolesAsScopes: 'yes' }, 'entra({ rolesAsScopes })', /'app-only' or 'always'/],
  ])('refuses %j naming %s', (options, option, problem) => {
    expect(() => entra(options as never)).toThrow(McpAuthConfigurationError);
    expect(() => entra(options as never)).toThrow(`option "${option}"`);
    expect(() => entra(options as never)).toThrow(problem);
  });
});
