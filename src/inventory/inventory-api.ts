import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { JWTPayload } from 'jose';

/** The stock the example's inventory knows, by SKU. */
const STOCK: Readonly<Record<string, number>> = { 'LAMP-1': 12, 'DESK-2': 3, 'CHAIR-3': 0 };

/** What the inventory API saw of one authorised call (for the example's tests: never the token itself). */
export interface InventoryCall {
  readonly sub: string;
  readonly aud: string | string[];
  readonly scopes: readonly string[];
  /** RFC 8693 `act`: who acts for the user (the MCP server's client), when the token says. */
  readonly actor?: string;
  /** SHA-256 of the bearer token it received, hex. */
  readonly tokenSha256: string;
}

export interface InventoryApiOptions {
  /** The scope a call needs (in `scope` or `scp`). */
  readonly requiredScope: string;
  /** Default 0: any free port on 127.0.0.1. */
  readonly port?: number;
}

/** Whose tokens the inventory API accepts. */
export interface InventoryTrust {
  /** Accepted `iss` values. */
  readonly issuers: readonly string[];
  /** Where the issuer's keys are. Default: `jwks_uri` of the first issuer's discovery document. */
  readonly jwksUri?: string;
  /** Accepted `aud` values: this API's own identifiers, never the MCP server's. Default: its URL. */
  readonly audiences?: readonly string[];
}

export interface InventoryApi {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** The authorised calls so far, oldest first (at most 100). */
  readonly calls: readonly InventoryCall[];
  /** Starts accepting this issuer's tokens (until then every call gets 503): set once the issuer is known. */
  trust(trust: InventoryTrust): void;
  close(): Promise<void>;
}

/**
 * A second resource server beside the example: a tiny stock API on loopback that accepts only
 * tokens minted for itself (`aud`), signed by the issuer's keys, carrying its scope. The MCP
 * server's tools reach it with a token obtained by token exchange for the same user: a token
 * meant for the MCP server is refused here, as any resource server must refuse it.
 * `GET /stock/<sku>` → `{ sku, level }`.
 */
export async function startInventoryApi(options: InventoryApiOptions): Promise<InventoryApi> {
  const calls: InventoryCall[] = [];
  let url = '';
  let verifier: Promise<{ keys: ReturnType<typeof createRemoteJWKSet>; issuers: string[]; audiences: string[] }> | undefined;
  const server = createServer((req, res) => {
    void answer(req, res).catch(() => send(res, 500, { error: 'server_error' }));
  });

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const match = /^\/stock\/([A-Za-z0-9-]{1,40})$/.exec(new URL(req.url ?? '/', 'http://localhost').pathname);
    if (req.method !== 'GET' || !match) return send(res, 404, { error: 'not_found' });
    const token = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token) return send(res, 401, { error: 'invalid_request' }, 'Bearer realm="inventory"');
    if (!verifier) return send(res, 503, { error: 'temporarily_unavailable' });
    const { keys, issuers, audiences } = await verifier;
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(token, keys, { issuer: issuers, audience: audiences, algorithms: ['RS256'] }));
    } catch {
      return send(res, 401, { error: 'invalid_token' }, 'Bearer realm="inventory", error="invalid_token"');
    }
    const scopes = scopesOf(claims);
    if (!scopes.includes(options.requiredScope)) {
      return send(
        res,
        403,
        { error: 'insufficient_scope' },
        `Bearer realm="inventory", error="insufficient_scope", scope="${options.requiredScope}"`,
      );
    }
    const actor = (claims.act as { sub?: unknown } | undefined)?.sub;
    calls.push({
      sub: String(claims.sub),
      aud: claims.aud as string | string[],
      scopes,
      ...(typeof actor === 'string' ? { actor } : {}),
      tokenSha256: createHash('sha256').update(token).digest('hex'),
    });
    if (calls.length > 100) calls.shift();
    const sku = match[1];
    if (!(sku in STOCK)) return send(res, 404, { error: 'unknown_sku' });
    send(res, 200, { sku, level: STOCK[sku] });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    calls,
    trust(trust) {
      verifier = (async () => ({
        keys: createRemoteJWKSet(new URL(trust.jwksUri ?? (await discoverJwksUri(trust.issuers[0])))),
        issuers: [...trust.issuers],
        audiences: [...(trust.audiences ?? [url])],
      }))();
      // A failed discovery is reported on the next call (500), not as an unhandled rejection now.
      verifier.catch(() => undefined);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function scopesOf(claims: JWTPayload): string[] {
  const value = claims.scope ?? claims.scp;
  if (typeof value === 'string') return value.split(' ').filter(Boolean);
  return Array.isArray(value) ? value.filter((scope): scope is string => typeof scope === 'string') : [];
}

async function discoverJwksUri(issuer: string | undefined): Promise<string> {
  if (!issuer) throw new Error('The inventory API needs an issuer');
  const response = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(10_000) });
  const document = (await response.json()) as { jwks_uri?: unknown };
  if (!response.ok || typeof document.jwks_uri !== 'string') throw new Error(`The inventory API could not discover the keys of ${issuer}`);
  return document.jwks_uri;
}

function send(res: ServerResponse, status: number, body: unknown, challenge?: string): void {
  res.writeHead(status, { 'content-type': 'application/json', ...(challenge ? { 'www-authenticate': challenge } : {}) });
  res.end(JSON.stringify(body));
}
