import { DPOP_ALGORITHMS } from 'nestjs-mcp-auth';
import { startLibraryApp } from './support/library-app.js';
import type { LibraryApp } from './support/library-app.js';
import { describeOnPlatforms } from './support/platforms.js';

const ENTERPRISE_MANAGED_AUTHORIZATION = 'io.modelcontextprotocol/enterprise-managed-authorization';

/**
 * The protected resource metadata is served by middleware since issue 20 (its paths come from
 * options resolved at runtime). What issue 24 (DPoP) and issue 25 (Enterprise-Managed
 * Authorization) added to the document must be there wherever a client looks: at the
 * path-suffixed location and the root one, on both platforms, with `forRoot` and with
 * `forRootAsync` (whose options only exist once its factory ran).
 */
describeOnPlatforms('the protected resource metadata carries every feature’s fields', (platform) => {
  describe.each([
    ['forRoot', false],
    ['forRootAsync', true],
  ] as const)('%s', (_how, forRootAsync) => {
    let app: LibraryApp;
    beforeAll(async () => {
      app = await startLibraryApp(
        { dpop: { mode: 'required' }, enterpriseManagedAuthorization: true, resourceName: 'Across features' },
        [],
        platform,
        { forRootAsync },
      );
    });
    afterAll(() => app?.close());

    const locations = () => {
      const { origin } = new URL(app.resourceUrl);
      return [`${origin}/.well-known/oauth-protected-resource/mcp`, `${origin}/.well-known/oauth-protected-resource`];
    };

    it('serves the same document at both locations, with the DPoP fields and the declared extension', async () => {
      const documents = [];
      for (const location of locations()) {
        const response = await fetch(location);
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toMatch(/^application\/json/);
        expect(response.headers.get('access-control-allow-origin')).toBe('*');
        expect(response.headers.has('x-powered-by')).toBe(false);
        documents.push(await response.json());
      }
      expect(documents[1]).toEqual(documents[0]);
      expect(documents[0]).toEqual({
        resource: app.resourceUrl,
        authorization_servers: [app.idp.issuer],
        bearer_methods_supported: ['header'],
        scopes_supported: expect.arrayContaining(['User.Read']),
        resource_name: 'Across features',
        dpop_signing_alg_values_supported: [...DPOP_ALGORITHMS],
        dpop_bound_access_tokens_required: true,
        mcp_extensions_supported: [ENTERPRISE_MANAGED_AUTHORIZATION],
      });
    });

    it('answers the CORS preflight at both locations without a token', async () => {
      for (const location of locations()) {
        const response = await fetch(location, {
          method: 'OPTIONS',
          headers: { origin: 'https://inspector.example', 'access-control-request-method': 'GET' },
        });
        expect(response.status).toBe(204);
        expect(response.headers.get('access-control-allow-origin')).toBe('*');
      }
    });

    it('points every 401 at the path-suffixed location, which serves it', async () => {
      const refused = await fetch(app.resourceUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: '{}',
      });
      expect(refused.status).toBe(401);
      const challenge = refused.headers.get('www-authenticate') ?? '';
      expect(challenge).toMatch(/^DPoP /);
      const metadataUrl = /resource_metadata="([^"]+)"/.exec(challenge)?.[1];
      expect(metadataUrl).toBe(locations()[0]);
      expect((await fetch(metadataUrl!)).status).toBe(200);
    });
  });
});
