import type { IssuerRegistry } from '../authentication/identity-providers/issuer-registry.js';
import type { JwksKeyStore } from '../authentication/keys/jwks-key-store.js';
import type { ResolvedMcpAuthOptions } from '../mcp-auth.options.js';

/** A JWKS key store and the issuer it is reported under. */
export interface IssuerKeyStore {
  /** The first configured `iss` of the first issuer publishing its keys there: a configured value, never one a caller sent. */
  readonly issuer: string;
  readonly store: JwksKeyStore;
}

/** Every JWKS key store of the registry, named by its issuer (stores are per JWKS URL; Entra's v1 and v2 issuers share one). */
export function issuerKeyStores(options: Pick<ResolvedMcpAuthOptions, 'issuers'>, registry: IssuerRegistry): IssuerKeyStore[] {
  return registry.keyStores.map((store) => ({
    issuer:
      options.issuers.find((issuer) => issuer.verification.kind === 'jwks' && issuer.jwksUri === store.jwksUri)?.issuers[0] ??
      store.jwksUri,
    store,
  }));
}
