import { McpTool, McpToolProvider } from 'nestjs-mcp-auth';
import type { McpAuditEvent, McpToolContext } from 'nestjs-mcp-auth';
import { auditedRequest } from './support/audit-events.js';
import { TestDpopKey, dpopBoundToken, dpopHeaders } from './support/dpop.js';
import { post, rpc, toolJson } from './support/harness.js';
import { startLibraryApp } from './support/library-app.js';
import type { LibraryApp } from './support/library-app.js';
import { parseExposition, valueOf } from './support/prometheus.js';
import { answerOf } from './support/sse.js';

/** A tool showing what the principal says about how its token was bound. */
@McpToolProvider()
class BindingTools {
  @McpTool({ name: 'binding', description: 'How the caller proved its token' })
  binding(_args: Record<string, never>, { principal }: McpToolContext) {
    return { confirmation: principal.confirmation ?? null };
  }
}

/** The principal names its DPoP key; the audit trail records DPoP use and every proof refusal; metrics count them. */
describe('DPoP in the principal, the audit trail and the metrics', () => {
  const events: McpAuditEvent[] = [];
  let app: LibraryApp;
  let key: TestDpopKey;
  let token: string;

  beforeAll(async () => {
    app = await startLibraryApp(
      { stateless: true, dpop: { mode: 'allowed' }, auditSink: { record: (event) => void events.push(event) }, metrics: {} },
      [BindingTools],
    );
    key = await TestDpopKey.create();
    ({ token } = await dpopBoundToken(app.idp, 'demo-reader', key));
  });
  afterAll(() => app?.close());

  it('hands tools the key the request proved (principal.confirmation), and none for a bearer token', async () => {
    const proved = await post(app.resourceUrl, rpc.callTool('binding'), {
      headers: dpopHeaders(token, await key.proof({ htu: app.resourceUrl, accessToken: token })),
    });
    expect(toolJson((await answerOf(proved)).result)).toEqual({ confirmation: { jkt: key.jkt } });
    const bearer = await post(app.resourceUrl, rpc.callTool('binding'), { token: await app.token('demo-reader') });
    expect(toolJson((await answerOf(bearer)).result)).toEqual({ confirmation: null });
  });

  it('records the DPoP key with each decision, and a refused proof with its reason', async () => {
    const proof = await key.proof({ htu: app.resourceUrl, accessToken: token });
    const call = () => post(app.resourceUrl, rpc.callTool('whoami'), { headers: dpopHeaders(token, proof) });
    const allowed = await auditedRequest(events, call);
    expect(allowed.response.status).toBe(200);
    expect(allowed.events).toEqual([
      expect.objectContaining({ action: 'tools/call', outcome: 'allowed', tool: 'whoami', dpopJkt: key.jkt }),
    ]);

    const replayed = await auditedRequest(events, call);
    expect(replayed.response.status).toBe(401);
    expect(replayed.events).toEqual([
      expect.objectContaining({ action: 'authenticate', outcome: 'denied', reason: 'dpop_proof_replayed' }),
    ]);
    expect(JSON.stringify(replayed.events)).not.toContain(token);
  });

  it('counts DPoP requests allowed and refused, by reason, in a fixed label set', async () => {
    const stale = await post(app.resourceUrl, rpc.callTool('whoami'), {
      headers: dpopHeaders(token, await key.proof({ htu: app.resourceUrl, accessToken: token, iat: Math.floor(Date.now() / 1000) - 600 })),
    });
    expect(stale.status).toBe(401);
    await stale.text();
    const samples = parseExposition(await (await fetch(new URL('/metrics', app.resourceUrl))).text());
    expect(valueOf(samples, 'mcp_auth_dpop_requests_total', { outcome: 'allowed', reason: 'none' })).toBeGreaterThanOrEqual(2);
    expect(valueOf(samples, 'mcp_auth_dpop_requests_total', { outcome: 'denied', reason: 'dpop_proof_replayed' })).toBe(1);
    expect(valueOf(samples, 'mcp_auth_dpop_requests_total', { outcome: 'denied', reason: 'dpop_proof_stale' })).toBe(1);
    expect(valueOf(samples, 'mcp_auth_authentications_total', { outcome: 'denied', reason: 'dpop_proof_stale' })).toBe(1);
  });
});
