import { DynamicModule, Module } from '@nestjs/common';
import type { Provider } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { McpAuthModule, entra, keycloak, oidc } from 'nestjs-mcp-auth';
import type { McpAuthOptions, McpIssuerOptions, McpPrincipal } from 'nestjs-mcp-auth';
import { InventoryModule } from './inventory/inventory.module.js';
import type { InventorySettings } from './inventory/inventory.tools.js';
import type { ExampleConfig, ExampleLimits } from './config/example-config.js';
import { ReadOnlyGuard } from './access/read-only.guard.js';
import { IdentityModule } from './identity/identity.module.js';
import { KnownUsers } from './identity/known-users.service.js';
import { McpCallLoggingInterceptor } from './logging/mcp-call-logging.interceptor.js';
import { requestStateKeyOf } from './config/request-state-key.js';
import { ProductsModule } from './products/products.module.js';
import { StoreModule } from './store/store.module.js';

/**
 * The identity provider `MCP_AUTH_IDP` selects, through the library's presets.
 * `devIssuer` is the embedded development provider's issuer, when it runs; `downstream` this
 * server's client for token exchange (the `stock_level` tool), when configured.
 */
export function identityProviderOf(config: ExampleConfig, devIssuer?: string, downstream?: ExampleDownstreamClient): McpIssuerOptions {
  if (config.idp === 'keycloak') {
    const { url, realm, clientId } = config.keycloak!;
    return keycloak({
      url,
      realm,
      clientId,
      audience: config.audience,
      jwksUri: config.jwksUri,
      ...(downstream ? { downstream: { clientId: downstream.clientId!, clientSecret: downstream.clientSecret } } : {}),
    });
  }
  if (config.idp === 'entra') {
    const { cloud, authorityHost, ...rest } = config.entra!;
    return entra({
      ...rest,
      ...(cloud ? { cloud } : {}),
      ...(authorityHost ? { authorityHost } : {}),
      ...(downstream ? { downstream } : {}),
    });
  }
  return oidc({
    issuer: config.issuer ?? devIssuer!,
    audience: config.audience,
    jwksUri: config.jwksUri,
    ...(downstream ? { downstream: { clientId: downstream.clientId!, clientSecret: downstream.clientSecret } } : {}),
  });
}

/** This server's client for downstream tokens (Entra: the client id defaults to the API's own). */
export interface ExampleDownstreamClient {
  readonly clientId?: string;
  readonly clientSecret: string;
}

/**
 * The identity providers of the rung `MCP_AUTH_MODE` selects: none for API keys alone,
 * a shared-secret issuer for hs256, the provider with introspection for opaque tokens.
 * `introspectionClient` comes from configuration or the embedded provider.
 */
export function issuersOf(
  config: ExampleConfig,
  devIssuer?: string,
  introspectionClient?: { clientId: string; clientSecret: string },
  downstream?: ExampleDownstreamClient,
): McpIssuerOptions[] {
  switch (config.mode) {
    case 'api-keys':
      return [];
    case 'hs256':
      // jwksUri is passed on so that the library refuses it: one issuer, one kind of key.
      return [
        { issuer: config.issuer!, audience: config.audience, jwksUri: config.jwksUri, sharedSecret: config.hs256Secret, ...atJwt(config) },
      ];
    case 'introspection':
      return [
        {
          ...identityProviderOf(config, devIssuer, downstream),
          introspection: {
            ...introspectionClient!,
            endpoint: config.introspection?.endpoint,
            cacheMaxSeconds: config.introspection?.cacheMaxSeconds,
          },
        },
      ];
    case 'jwks':
      return [{ ...identityProviderOf(config, devIssuer, downstream), ...atJwt(config) }];
  }
}

/** `MCP_AUTH_REQUIRE_AT_JWT`, for the issuers whose JWTs are verified here. */
function atJwt(config: ExampleConfig): Pick<McpIssuerOptions, 'requireAtJwt'> {
  return config.requireAtJwt ? { requireAtJwt: true } : {};
}

/** The example: a product catalogue in SQLite served as an OAuth-protected MCP server. */
@Module({})
export class AppModule {
  static register(config: ExampleConfig, issuers: McpIssuerOptions[], inventory?: InventorySettings): DynamicModule {
    const requestStateKey = requestStateKeyOf(config.requestState);
    return {
      module: AppModule,
      imports: [
        StoreModule.register(config.databasePath),
        McpAuthModule.forRootAsync({
          path: config.path,
          imports: [IdentityModule],
          inject: [KnownUsers],
          useFactory: (users: KnownUsers) => ({
            issuers,
            ...(config.apiKeysFile ? { apiKeys: { file: config.apiKeysFile } } : {}),
            scopeHierarchy: config.scopeHierarchy,
            baselineScopes: config.baselineScopes,
            resourceUrl: config.resourceUrl,
            stateless: config.stateless,
            protocol: config.protocol,
            listing: config.listing,
            allowedOrigins: config.allowedOrigins,
            sessionIdleTimeoutMs: config.sessionIdleTimeoutMs,
            ...(config.requireKnownUsers ? { validateUser: (principal: McpPrincipal) => users.isKnown(principal) } : {}),
            server: { name: 'product-catalog', version: '1.0.0' },
            resourceName: 'Product catalogue (example)',
            ...limitOptions(config.limits),
            ...(config.metrics ? { metrics: config.metrics } : {}),
            ...(config.health ? { health: {} } : {}),
            ...(config.redisUrl ? { redis: { url: config.redisUrl } } : {}),
            dpop: { mode: config.dpop.mode, ...(config.dpop.nonceSecret ? { nonce: { secret: config.dpop.nonceSecret } } : {}) },
            ...(config.downstream.cacheKey ? { downstreamCache: { encryptionKey: config.downstream.cacheKey } } : {}),
            ...(config.enterprise.managedAuthorization ? { enterpriseManagedAuthorization: true } : {}),
            ...(config.enterprise.scopeSnapshot ? { scopeSnapshot: config.enterprise.scopeSnapshot } : {}),
            ...(requestStateKey ? { requestState: { key: requestStateKey } } : {}),
          }),
        }),
        ProductsModule,
        IdentityModule,
        ...(inventory ? [InventoryModule.register(inventory)] : []),
      ],
      providers: enhancersOf(config),
    };
  }
}

/**
 * The application's own enhancers, which run around every MCP call as around any route:
 * each only when configured, so that a call pays for none it does not use.
 */
function enhancersOf(config: ExampleConfig): Provider[] {
  return [
    ...(config.logCalls ? [{ provide: APP_INTERCEPTOR, useClass: McpCallLoggingInterceptor }] : []),
    ...(config.readOnly ? [{ provide: APP_GUARD, useClass: ReadOnlyGuard }] : []),
  ];
}

/** The example's limit variables as library options; what is unset keeps the library's default. */
function limitOptions(limits: ExampleLimits): Partial<McpAuthOptions> {
  const { rateLimitPerMinute, unauthenticatedLimitPerMinute, ...rest } = limits;
  const options: Partial<McpAuthOptions> = Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined));
  if (rateLimitPerMinute !== undefined || unauthenticatedLimitPerMinute !== undefined) {
    options.rateLimit = {
      ...(rateLimitPerMinute !== undefined ? { perPrincipal: { limit: rateLimitPerMinute, ttlMs: 60_000 } } : {}),
      ...(unauthenticatedLimitPerMinute !== undefined
        ? { unauthenticatedPerIp: { limit: unauthenticatedLimitPerMinute, ttlMs: 60_000 } }
        : {}),
    };
  }
  return options;
}
