import { Inject, Injectable, Logger } from '@nestjs/common';
import { createSecretKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { MCP_AUTH_RESOLVED_OPTIONS } from '../../mcp-auth.constants.js';
import type { ResolvedMcpAuthOptions } from '../../mcp-auth.options.js';
import { unverifiedJwtOf } from '../jwt-header.js';
import { JwksKeyStore } from '../keys/jwks-key-store.js';
import { passportKeyProvider } from '../keys/passport-key-provider.js';
import type { SigningKeyProvider } from '../keys/passport-key-provider.js';
import type { JwtClaims, McpPrincipal } from '../principal.js';
import { TokenRejection } from '../token-rejection.js';
import { audiencesOf } from './preset-validation.js';
import type { ResolvedIssuer } from './resolve-issuers.js';
import type { DpopMode } from '../dpop/dpop.options.js';

/**
 * The trusted issuers, and the rules that tie a token to exactly one of them.
 *
 * `passport-jwt` verifies with one set of options; with several issuers those are the
 * union (every issuer, every audience). This registry makes that exact per token:
 * before any key is fetched it routes the token by its (unverified) `iss` to that
 * issuer's keys, refusing unknown issuers and what the issuer's `screen` refuses;
 * after the signature is verified it requires `iss` and `aud` to belong to that same
 * issuer and applies the issuer's claim rules.
 *
 * Keys come from one {@link JwksKeyStore} per JWKS URL, shared by every issuer that
 * publishes its keys there (Entra v1 and v2 do), read when the first token needs them;
 * a shared-secret issuer's key is its secret, used with HS256 only. Each token is held
 * to its own issuer's algorithms, so HS256 never reaches a JWKS issuer's keys.
 */
@Injectable()
export class IssuerRegistry {
  private readonly byIssuer = new Map<string, ResolvedIssuer>();
  private readonly stores = new Map<string, JwksKeyStore>();
  private readonly keyProviders = new Map<string, SigningKeyProvider>();
  private readonly routed = new WeakMap<IncomingMessage, ResolvedIssuer>();
  private readonly secrets = new Map<ResolvedIssuer, KeyObject>();
  /** Issuers whose audience hint was logged already: once per process is enough to point at the fix. */
  private readonly hinted = new Set<ResolvedIssuer>();

  constructor(
    @Inject(MCP_AUTH_RESOLVED_OPTIONS) private readonly options: Pick<ResolvedMcpAuthOptions, 'issuers' | 'algorithms' | 'jwks'>,
  ) {
    for (const issuer of options.issuers) {
      for (const iss of issuer.issuers) this.byIssuer.set(iss, issuer);
      if (issuer.verification.kind === 'shared-secret') this.secrets.set(issuer, createSecretKey(issuer.verification.secret));
      if (issuer.verification.kind !== 'jwks' || this.stores.has(issuer.jwksUri)) continue;
      const store = new JwksKeyStore({ jwksUri: issuer.jwksUri, algorithms: options.algorithms, ...options.jwks });
      this.stores.set(issuer.jwksUri, store);
      this.keyProviders.set(issuer.jwksUri, passportKeyProvider(store));
    }
  }

  /** True when some issuer's JWTs are verified here (with its JWKS or a shared secret), not introspected. */
  get verifiesJwts(): boolean {
    return this.options.issuers.some((issuer) => issuer.verification.kind !== 'introspection');
  }

  /** Every algorithm some issuer may sign with: the module's list for JWKS issuers, HS256 for shared-secret ones. */
  get algorithms(): string[] {
    return [...this.options.algorithms, ...(this.secrets.size > 0 ? ['HS256'] : [])];
  }

  /** The key store of every JWKS URL (for monitoring: `stats`). */
  get keyStores(): JwksKeyStore[] {
    return [...this.stores.values()];
  }

  /** The key store that verified the request's token (after {@link keyFor} routed it). */
  keyStoreOf(req: IncomingMessage): JwksKeyStore | undefined {
    const issuer = this.routed.get(req);
    return issuer && this.stores.get(issuer.jwksUri);
  }

  /** Every `iss` value accepted, for the verifier's allow-list. */
  get issuerIdentifiers(): string[] {
    return [...this.byIssuer.keys()];
  }

  /** Every audience of every issuer, for the verifier's allow-list (made exact per issuer in {@link verified}). */
  get audiences(): string[] {
    return [...new Set(this.options.issuers.flatMap((issuer) => issuer.audiences))];
  }

  /** The authorization servers to list in the protected resource metadata. */
  get authorizationServers(): string[] {
    return [...new Set(this.options.issuers.flatMap((issuer) => issuer.authorizationServers))];
  }

  /**
   * `passport-jwt`'s `secretOrKeyProvider`: the key of the token's issuer. A token that
   * cannot even be decoded goes on without a key, so the verifier reports it as malformed.
   */
  readonly keyFor: SigningKeyProvider = (req, rawJwt, done) => {
    const decoded = unverifiedJwtOf(req, rawJwt);
    if (!decoded) return done(null);
    // RFC 7515 §4.1.11: a `crit` extension the recipient does not implement makes the JWS
    // invalid. This server implements none, so any `crit` is refused before a key is used.
    if (decoded.header.crit !== undefined) return done(new TokenRejection('unsupported_critical_header'));
    const issuer = typeof decoded.claims.iss === 'string' ? this.byIssuer.get(decoded.claims.iss) : undefined;
    if (!issuer) return done(new TokenRejection('wrong_issuer'));
    const refusal = issuer.screen?.(decoded.claims, decoded.header);
    if (refusal) {
      if (refusal.code === 'wrong_audience') this.hintAudience(issuer);
      return done(refusal);
    }
    // The verifier's algorithm list is the union over issuers: pin each token to its issuer's own.
    const { kind } = issuer.verification;
    if (kind === 'introspection')
      return done(new TokenRejection('wrong_issuer', "This issuer's access tokens are checked by introspection"));
    const allowed: readonly string[] = kind === 'shared-secret' ? ['HS256'] : this.options.algorithms;
    if (typeof decoded.header.alg !== 'string' || !allowed.includes(decoded.header.alg))
      return done(new TokenRejection('unsupported_algorithm'));
    this.routed.set(req, issuer);
    const secret = this.secrets.get(issuer);
    if (secret) return done(null, secret);
    this.keyProviders.get(issuer.jwksUri)!(req, rawJwt, done);
  };

  /** After signature verification: the issuer the token was routed to, once its own rules pass. */
  verified(req: IncomingMessage, claims: JwtClaims): ResolvedIssuer {
    const issuer = this.routed.get(req);
    if (!issuer || typeof claims.iss !== 'string' || !issuer.issuers.includes(claims.iss)) throw new TokenRejection('wrong_issuer');
    if (!audiencesOf(claims.aud).some((aud) => issuer.audiences.includes(aud))) {
      this.hintAudience(issuer);
      throw new TokenRejection('wrong_audience');
    }
    const refusal = issuer.checkClaims?.(claims);
    if (refusal) throw refusal;
    return issuer;
  }

  /** The DPoP mode of the principal's issuer; `'off'` for a principal of no issuer (an API key). */
  dpopModeOf(principal: McpPrincipal): DpopMode {
    return this.byIssuer.get(principal.issuer)?.dpop ?? 'off';
  }

  /** Logs the issuer's audience hint, the first time only (it names a configuration fix, never a token's content). */
  private hintAudience(issuer: ResolvedIssuer): void {
    if (!issuer.audienceHint || this.hinted.has(issuer)) return;
    this.hinted.add(issuer);
    new Logger('McpAuth').warn(issuer.audienceHint);
  }

  /**
   * Scopes as clients must request them: with a principal, as its issuer writes them
   * (Entra: `api://<app>/<scope>`); without one, every issuer's form.
   */
  advertised(scopes: readonly string[], principal?: McpPrincipal): string[] {
    // A refresh-token scope is the client's business, never something a challenge asks for.
    scopes = scopes.filter((scope) => scope !== 'offline_access');
    const issuer = principal ? this.byIssuer.get(principal.issuer) : undefined;
    // An API-key caller (no issuer) and a server without issuers use the short names.
    if ((principal && !issuer) || this.options.issuers.length === 0) return [...scopes];
    const issuers = issuer ? [issuer] : this.options.issuers;
    return [...new Set(scopes.flatMap((scope) => issuers.map((each) => each.advertisedScope(scope))))];
  }
}
