import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the stand-in received: its form and whether the client authenticated as expected. */
export interface OnBehalfOfRequest {
  readonly form: Record<string, string>;
  readonly path: string;
}

/** A loopback stand-in for Entra ID's v2 token endpoint answering on-behalf-of requests. */
export interface EntraTokenEndpoint {
  /** `http://127.0.0.1:<port>/<tenant>/oauth2/v2.0/token` */
  readonly url: string;
  readonly requests: OnBehalfOfRequest[];
  close(): Promise<void>;
}

const TRACE =
  'Trace ID: 0d3f7c1e-9a2b-4c5d-8e6f-7a8b9c0d1e2f Correlation ID: 5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9 Timestamp: 2026-07-30 10:00:00Z';

/**
 * Shaped like `https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token` for the jwt-bearer
 * grant with `requested_token_use=on_behalf_of`: it checks the form and the client's secret and
 * answers by the requested scope as Entra does, with its error shapes (`error_codes`, AADSTS
 * descriptions, `suberror`, a `claims` challenge):
 * - `…/Mail.Send`: consent missing (400 `invalid_grant`, suberror `consent_required`, AADSTS65001);
 * - `…/Files.Read`: multi-factor authentication required (400 `interaction_required`, AADSTS50079, `claims`);
 * - `…/Calendars.Read`: granted with more than asked (`Calendars.ReadWrite` too);
 * - `…/Slow.Read`: no answer for 3 s;
 * - anything else: granted as asked, an opaque token valid for an hour.
 */
export async function startEntraTokenEndpoint(
  tenantId: string,
  client: { clientId: string; clientSecret: string },
): Promise<EntraTokenEndpoint> {
  const requests: OnBehalfOfRequest[] = [];
  const path = `/${tenantId}/oauth2/v2.0/token`;
  let issued = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(body));
      requests.push({ form, path: req.url ?? '' });
      const answer = (status: number, json: Record<string, unknown>) => {
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify(json));
      };
      const failure = (status: number, error: string, code: number, description: string, extra: Record<string, unknown> = {}) =>
        answer(status, {
          error,
          error_description: `AADSTS${code}: ${description} ${TRACE}`,
          error_codes: [code],
          timestamp: '2026-07-30 10:00:00Z',
          trace_id: '0d3f7c1e-9a2b-4c5d-8e6f-7a8b9c0d1e2f',
          correlation_id: '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9',
          ...extra,
        });
      if (req.method !== 'POST' || req.url !== path) return answer(404, { error: 'invalid_request' });
      if (form.client_id !== client.clientId || form.client_secret !== client.clientSecret) {
        return failure(
          401,
          'invalid_client',
          7000215,
          'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value.',
        );
      }
      if (
        form.grant_type !== 'urn:ietf:params:oauth:grant-type:jwt-bearer' ||
        form.requested_token_use !== 'on_behalf_of' ||
        !form.assertion
      ) {
        return failure(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'assertion'.");
      }
      const scope = form.scope ?? '';
      if (scope.endsWith('/Mail.Send')) {
        return failure(
          400,
          'invalid_grant',
          65001,
          "The user or administrator has not consented to use the application with ID '3b9e2f51-7c0d-4a8e-b6f2-1d4c5e6f7a80' named 'Product catalogue MCP'. Send an interactive authorization request for this user and resource.",
          { suberror: 'consent_required' },
        );
      }
      if (scope.endsWith('/Files.Read')) {
        return failure(
          400,
          'interaction_required',
          50079,
          'Due to a configuration change made by your administrator, or because you moved to a new location, you must enroll in multi-factor authentication.',
          {
            claims: '{"access_token":{"capolids":{"essential":true,"values":["c1a2b3"]}}}',
          },
        );
      }
      if (scope.endsWith('/Slow.Read')) {
        setTimeout(() => answer(200, { token_type: 'Bearer', access_token: 'late', expires_in: 3600, scope }), 3_000).unref();
        return;
      }
      issued++;
      answer(200, {
        token_type: 'Bearer',
        scope: scope.endsWith('/Calendars.Read') ? `${scope} ${scope.replace('Calendars.Read', 'Calendars.ReadWrite')}` : scope,
        expires_in: 3599,
        ext_expires_in: 3599,
        access_token: `eyJ0eXAiOiJKV1QiLCJub25jZSI6Im9iby0ke2lzc3VlZH0ifQ.opaque-graph-token-${issued}.sig`,
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
