import type { IncomingMessage } from 'node:http';
import { ConsoleLogger, Logger } from '@nestjs/common';
import { subjectClaim } from '../principal.js';
import { defaultClaimsToScopes } from '../claims-to-scopes.js';
import { TokenRejection } from '../token-rejection.js';
import { IssuerRegistry } from './issuer-registry.js';
import { keycloak } from './keycloak.preset.js';
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

  it("logs the issuer's audience hint once, the first time a token arrives without this server in aud, and never the token", async () => {
    const preset = keycloak({ url: 'https://sso.example', realm: 'acme' });
    const realm: ResolvedIssuer = {
      ...issuer,
      name: preset.name!,
      issuers: [preset.issuer as string],
      screen: preset.screen,
      audienceHint: preset.audienceHint,
    };
    const keycloakRegistry = new IssuerRegistry({ issuers: [realm], algorithms: ['RS256'], jwks: {} as never });
    const warnings: string[] = [];
    Logger.overrideLogger({ log() {}, error() {}, warn: (message: unknown) => void warnings.push(String(message)) });
    try {
      const refusals: unknown[] = [];
      for (const aud of ['account', undefined, 'account']) {
        const token = compact({ alg: 'RS256', kid: 'k1' }, { iss: realm.issuers[0], aud, sub: 'alice', secret: 'do-not-log' });
        refusals.push(
          await new Promise<unknown>((resolve) => keycloakRegistry.keyFor({} as IncomingMessage, token, (error) => resolve(error))),
        );
      }
      expect(refusals.map((refusal) => (refusal as TokenRejection).code)).toEqual(['wrong_audience', 'wrong_audience', 'wrong_audience']);
      expect(warnings).toEqual([preset.audienceHint]);
      expect(warnings[0]).toContain('--features=resource-indicators');
      expect(warnings[0]).toContain('Audience mapper');
      expect(warnings[0]).not.toContain('alice');
      expect(warnings[0]).not.toContain('do-not-log');
    } finally {
      Logger.overrideLogger(new ConsoleLogger());
    }
  });
});
