import { McpAuthConfigurationError } from '../../mcp-auth-configuration.error.js';
import { resolveOptions } from '../../resolve-options.js';
import { defaultClaimsToScopes } from '../claims-to-scopes.js';
import { entra } from './entra.preset.js';
import { keycloak } from './keycloak.preset.js';
import { oidc } from './oidc.preset.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = '3b9e2f51-7c0d-4a8e-b6f2-1d4c5e6f7a80';
const resourceUrl = 'https://api.example.com/mcp';

describe('resolving issuers', () => {
  it('turns the single-issuer options into the first issuer, followed by the presets', async () => {
    const resolved = await resolveOptions(
      {
        resourceUrl,
        issuer: 'https://legacy.example.com',
        jwksUri: 'https://legacy.example.com/jwks',
        issuers: [
          keycloak({ url: 'https://sso.example.com', realm: 'acme', jwksUri: 'https://sso.example.com/certs' }),
          entra({ tenantId: TENANT, clientId: CLIENT }),
        ],
      },
      '/mcp',
    );
    expect(resolved.issuers.map(({ name, issuers, audiences, jwksUri }) => ({ name, issuers, audiences, jwksUri }))).toEqual([
      {
        name: 'https://legacy.example.com',
        issuers: ['https://legacy.example.com'],
        audiences: [resourceUrl],
        jwksUri: 'https://legacy.example.com/jwks',
      },
      {
        name: 'keycloak',
        issuers: ['https://sso.example.com/realms/acme'],
        audiences: [resourceUrl],
        jwksUri: 'https://sso.example.com/certs',
      },
      {
        name: 'entra',
        issuers: [`https://login.microsoftonline.com/${TENANT}/v2.0`, `https://sts.windows.net/${TENANT}/`],
        audiences: [CLIENT, `api://${CLIENT}`],
        jwksUri: `https://login.microsoftonline.com/${TENANT}/discovery/v2.0/keys`,
      },
    ]);
    expect(resolved.issuer).toBe('https://legacy.example.com');
    expect(resolved.issuers[0].claimsToScopes).toBe(defaultClaimsToScopes);
    expect(resolved.issuers[0].subjectOf({ sub: 'u' })).toBe('u');
  });

  it.each([
    [{ resourceUrl }, 'issuer', /is required/],
    [{ resourceUrl, audience: 'x' }, 'audience', /belongs to the top-level "issuer"/],
    [{ resourceUrl, issuers: 'nope' }, 'issuers', /must be a list/],
    [{ resourceUrl, issuers: [null] }, 'issuers[0]', /must be an issuer configuration/],
    [{ resourceUrl, issuers: [{ issuer: 'not a url', jwksUri: 'https://k' }] }, 'issuers[0].issuer', /not a valid URL/],
    [{ resourceUrl, issuers: [{ issuer: 'https://a', audience: [], jwksUri: 'https://k' }] }, 'issuers[0].audience', /non-empty/],
    [
      { resourceUrl, issuer: 'https://a', jwksUri: 'https://k', issuers: [oidc({ issuer: 'https://a', jwksUri: 'https://k' })] },
      'issuers[0]',
      /names issuer https:\/\/a, which issuer names already/,
    ],
    [
      { resourceUrl, issuer: 'https://a', jwksUri: 'https://k', scopeHierarchy: { A: ['B'], B: ['A'] } },
      'scopeHierarchy',
      /has a cycle: A → B → A/,
    ],
    [{ resourceUrl, issuer: 'https://a', jwksUri: 'https://k', baselineScopes: ['has space'] }, 'baselineScopes', /list of OAuth scopes/],
    [{ resourceUrl, issuer: 'https://a', jwksUri: 'https://k', baselineScopes: 'User.Read' }, 'baselineScopes', /list of OAuth scopes/],
  ])('refuses %j at startup, naming %s', async (options, option, problem) => {
    const attempt = resolveOptions(options as never, '/mcp');
    await expect(attempt).rejects.toBeInstanceOf(McpAuthConfigurationError);
    await expect(resolveOptions(options as never, '/mcp')).rejects.toMatchObject({ option, message: expect.stringMatching(problem) });
  });

  describe('M2 several introspected issuers', () => {
    const introspected = (issuer: string, extra: Record<string, unknown> = {}) => ({
      issuer,
      introspection: { clientId: 'c', clientSecret: 's', endpoint: `${issuer}/introspect`, ...extra },
    });

    it('are refused at startup unless each can tell its own tokens, saying why', async () => {
      const attempt = resolveOptions(
        { resourceUrl, issuers: [introspected('https://partner.example', { tokenPrefix: 'p_' }), introspected('https://ours.example')] },
        '/mcp',
      );
      await expect(attempt).rejects.toBeInstanceOf(McpAuthConfigurationError);
      await expect(attempt).rejects.toThrow('option "issuers[1].introspection.tokenPrefix"');
      await expect(attempt).rejects.toThrow(/only ever be sent to the issuer that can have issued it/);
    });

    it('are accepted with a prefix or a recogniser each; one introspected issuer needs neither', async () => {
      const resolved = await resolveOptions(
        {
          resourceUrl,
          issuers: [
            introspected('https://partner.example', { tokenPrefix: 'p_' }),
            introspected('https://ours.example', { recognizes: (token: string) => token.startsWith('o_') }),
          ],
        },
        '/mcp',
      );
      const tests = resolved.issuers.map((issuer) =>
        issuer.verification.kind === 'introspection' ? issuer.verification.introspection.recognizes : undefined,
      );
      expect(tests.map((test) => [test!('p_x'), test!('o_x')])).toEqual([
        [true, false],
        [false, true],
      ]);
      await expect(resolveOptions({ resourceUrl, issuers: [introspected('https://ours.example')] }, '/mcp')).resolves.toBeDefined();
    });

    it('refuses an empty tokenPrefix', async () => {
      await expect(
        resolveOptions({ resourceUrl, issuers: [introspected('https://ours.example', { tokenPrefix: '' })] }, '/mcp'),
      ).rejects.toThrow('option "issuers[0].introspection.tokenPrefix"');
    });
  });

  describe('requireAtJwt (RFC 9068 typ)', () => {
    const at = { alg: 'RS256' };

    it("screens the header before any key is used, keeping the preset's own screen", async () => {
      const resolved = await resolveOptions(
        {
          resourceUrl,
          issuers: [
            { ...entra({ tenantId: TENANT, clientId: CLIENT }), requireAtJwt: true },
            oidc({ issuer: 'https://auth.example.com', jwksUri: 'https://auth.example.com/jwks', requireAtJwt: true }),
          ],
        },
        '/mcp',
      );
      const [entraIssuer, generic] = resolved.issuers;
      for (const typ of ['at+jwt', 'AT+JWT', 'application/at+jwt']) expect(generic.screen!({}, { ...at, typ })).toBeUndefined();
      for (const typ of ['JWT', 'jwt', 'at+jwt+x', undefined]) {
        expect(generic.screen!({}, { ...at, typ })).toMatchObject({
          code: 'invalid_claim',
          description: expect.stringContaining("typ 'at+jwt'"),
        });
      }
      // The Entra screen (Graph tokens) still runs after the type check passed.
      expect(entraIssuer.screen!({ aud: 'https://graph.microsoft.com' }, { ...at, typ: 'at+jwt' })?.code).toBe('wrong_audience');
    });

    it('is off by default, and set on the top-level issuer with requireAtJwt', async () => {
      const lenient = await resolveOptions(
        { resourceUrl, issuer: 'https://auth.example.com', jwksUri: 'https://auth.example.com/jwks' },
        '/mcp',
      );
      expect(lenient.issuers[0].screen).toBeUndefined();
      const strict = await resolveOptions(
        { resourceUrl, issuer: 'https://auth.example.com', jwksUri: 'https://auth.example.com/jwks', requireAtJwt: true },
        '/mcp',
      );
      expect(strict.issuers[0].screen!({}, { ...at, typ: 'JWT' })?.code).toBe('invalid_claim');
    });

    it.each([
      [
        { issuers: [{ issuer: 'https://auth.example.com', jwksUri: 'https://auth.example.com/jwks', requireAtJwt: 'yes' as never }] },
        'issuers[0].requireAtJwt',
        /true or false/,
      ],
      [
        {
          issuers: [
            {
              issuer: 'https://auth.example.com',
              introspection: { clientId: 'c', clientSecret: 's', endpoint: 'https://auth.example.com/introspect' },
              requireAtJwt: true,
            },
          ],
        },
        'issuers[0].requireAtJwt',
        /introspection/,
      ],
      [
        { requireAtJwt: true, issuers: [oidc({ issuer: 'https://auth.example.com', jwksUri: 'https://auth.example.com/jwks' })] },
        'requireAtJwt',
        /top-level "issuer"/,
      ],
    ])('refuses %j at startup, naming %s', async (options, option, message) => {
      const attempt = resolveOptions({ resourceUrl, ...options }, '/mcp');
      await expect(attempt).rejects.toBeInstanceOf(McpAuthConfigurationError);
      await expect(attempt).rejects.toThrow(option);
      await expect(attempt).rejects.toThrow(message);
    });
  });
});
