import { parseChallenge, post, rpc, startHarness } from './support/harness.js';
import type { Harness } from './support/harness.js';

/** RFC 9068's `typ: at+jwt`: required with MCP_AUTH_REQUIRE_AT_JWT=true, not by default (Keycloak and Entra send `typ: JWT`). */
describe.each<{ required: boolean; env: Record<string, string> }>([
  { required: true, env: { MCP_AUTH_REQUIRE_AT_JWT: 'true' } },
  { required: false, env: {} },
])('the JWT access token type (required: $required)', ({ required, env }) => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ MCP_STATELESS: 'true', ...env });
  });
  afterAll(() => h?.close());

  async function whoami(token: string): Promise<{ status: number; challenge: Record<string, string> }> {
    const response = await post(h.resourceUrl, rpc.callTool('whoami'), { token });
    await response.text();
    const challenge = response.headers.get('www-authenticate');
    return { status: response.status, challenge: challenge ? parseChallenge(challenge).params : {} };
  }

  it("accepts the identity provider's own access tokens (typ at+jwt), and the media-type spelling", async () => {
    expect((await whoami(await h.token('demo-reader'))).status).toBe(200);
    expect((await whoami(await h.forge(h.claims(), { typ: 'application/AT+JWT' }))).status).toBe(200);
  });

  it(required ? 'refuses a token typed JWT, or untyped, with 401 invalid_token' : 'accepts a token typed JWT, or untyped', async () => {
    for (const header of [{ typ: 'JWT' }, { typ: undefined }]) {
      const answer = await whoami(await h.forge(h.claims(), header));
      if (!required) {
        expect(answer.status).toBe(200);
        continue;
      }
      expect(answer.status).toBe(401);
      expect(answer.challenge).toMatchObject({
        error: 'invalid_token',
        error_description: expect.stringContaining("typ 'at+jwt'"),
        resource_metadata: h.metadataUrl,
      });
    }
  });
});
