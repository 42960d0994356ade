import { DynamicModule, Module } from '@nestjs/common';
import { McpAuthModule, defaultClaimsToScopes, entraClaimsToScopes, keycloakClaimsToScopes } from 'nestjs-mcp-auth';
import type { ClaimsToScopes } from 'nestjs-mcp-auth';
import type { ExampleConfig, IdentityProviderKind } from './config/example-config.js';
import { IdentityModule } from './identity/identity.module.js';
import { ProductsModule } from './products/products.module.js';

const CLAIMS_TO_SCOPES: Record<IdentityProviderKind, ClaimsToScopes> = {
  oidc: defaultClaimsToScopes,
  keycloak: keycloakClaimsToScopes(),
  entra: entraClaimsToScopes,
};

/** The example: a product catalogue served as an OAuth-protected MCP server. */
@Module({})
export class AppModule {
  static register(config: ExampleConfig & { issuer: string }): DynamicModule {
    return {
      module: AppModule,
      imports: [
        McpAuthModule.forRoot({
          issuer: config.issuer,
          audience: config.audience,
          jwksUri: config.jwksUri,
          resourceUrl: config.resourceUrl,
          stateless: config.stateless,
          allowedOrigins: config.allowedOrigins,
          sessionIdleTimeoutMs: config.sessionIdleTimeoutMs,
          claimsToScopes: CLAIMS_TO_SCOPES[config.idp],
          server: { name: 'product-catalog', version: '1.0.0' },
          resourceName: 'Product catalogue (example)',
        }),
        ProductsModule,
        IdentityModule,
      ],
    };
  }
}
