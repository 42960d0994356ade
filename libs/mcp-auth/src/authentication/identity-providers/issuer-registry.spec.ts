import type { IncomingMessage } from 'node:http';
import { subjectClaim } from '../principal.js';
import { defaultClaimsToScopes } from '../claims-to-scopes.js';
import { TokenRejection } from '../token-rejection.js';
import { IssuerRegistry } from './issuer-registry.js';
import type { ResolvedIssuer } from './resolve-issuers.js';

const ISSUER = 'https://idp.example';

function compact(header: object, claims: object): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part(header)}.${part(claims)}.c2lnbmF0dXJl`;
}

describe('IssuerRegistry', () => {
  const issuer: ResolvedIssuer = {
    name: 'idp',
    issuers: [ISSUER],
    audiences: ['https://api.example/mcp'],
    verification: { kind: 'jwks' },
    // Nothing listens here: a fetch would fail, and the counters would show it.
    jwksUri: 'http://127.0.0.1:9/jwks',
    authorizationServers: [ISSUER],
    claimsToScopes: defaultClaimsToScopes,
    subjectOf: subjectClaim,
    advertisedScope: (scope) => scope,
    dpop: 'off',
  };
  const registry = new IssuerRegistry({ issuers: [issuer], algorithms: ['RS256'], jwks: {} as never });

  it('L1 refuses any JWS crit header before a key is looked up or fetched', async () => {
    const token = compact({ alg: 'RS256', kid: 'k1', crit: ['b64'], b64: true }, { iss: ISSUER });
    const refusal = await new Promise<unknown>((resolve) => registry.keyFor({} as IncomingMessage, token, (error) => resolve(error)));
    expect(refusal).toBeInstanceOf(TokenRejection);
    expect((refusal as TokenRejection).code).toBe('unsupported_critical_header');
    expect(registry.keyStores.map((store) => store.stats.fetches)).toEqual([0]);
  });
});
