import { Inject, Module } from '@nestjs/common';
import type { MiddlewareConsumer, NestModule, Type } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AuthModuleOptions } from '@nestjs/passport';
import { AuditTrail } from './audit/audit-trail.js';
import { LoggerAuditSink, MCP_AUTH_AUDIT_SINK } from './audit/audit-sink.js';
import { Challenges } from './authentication/challenges.js';
import { McpAuthGuard } from './authentication/mcp-auth.guard.js';
import { IssuerRegistry } from './authentication/identity-providers/issuer-registry.js';
import { credentialStrategyProviders } from './authentication/credential-strategies.js';
import { ScopePolicy } from './authorization/scope-policy.js';
import { McpAuthConfigurationError } from './mcp-auth-configuration.error.js';
import { MCP_AUTH_CONTROLLERS, MCP_AUTH_ENDPOINT_PATH, MCP_AUTH_RESOLVED_OPTIONS, MCP_AUTH_STRATEGY_NAMES } from './mcp-auth.constants.js';
import { withoutPoweredBy } from './http/without-powered-by.middleware.js';
import { ConfigurableModuleClass, MCP_AUTH_MODULE_OPTIONS } from './mcp-auth.module-definition.js';
import type { McpAuthOptions, ResolvedMcpAuthOptions } from './mcp-auth.options.js';
import { ProtectedResourceMetadataService } from './metadata/protected-resource-metadata.js';
import { RedisConnection } from './redis/redis-connection.js';
import { resolveOptions } from './resolve-options.js';
import { PreAuthenticationLimitsGuard, PrincipalRateLimitGuard } from './limits/request-limits.guards.js';
import { RateLimiter } from './limits/rate-limiter.js';
import { McpServerFactory } from './server/mcp-server.factory.js';
import { EmptyCatalogueWarning } from './tools/empty-catalogue.warning.js';
import { ToolCatalogue } from './tools/tool-catalogue.js';
import { InFlightRequests } from './transport/in-flight-requests.js';
import { McpEndpoint } from './transport/mcp-endpoint.js';
import { OriginGuard } from './transport/origin.guard.js';
import { PreDispatchAuthorization } from './transport/pre-dispatch-authorization.js';
import { SessionRegistry } from './transport/session-registry.js';
import { SharedSessionStore } from './transport/shared-session-store.js';

/**
 * An OAuth-protected MCP server for a Nest application: validates access tokens from
 * your identity provider, discovers `@McpToolProvider()` classes, enforces
 * `@RequireScopes()` per tool, and serves the MCP endpoint and its protected
 * resource metadata.
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [
 *     McpAuthModule.forRoot({
 *       issuer: 'https://login.example.com/realms/acme',
 *       resourceUrl: 'https://api.example.com/mcp',
 *       server: { name: 'catalog', version: '1.0.0' },
 *     }),
 *   ],
 *   providers: [ProductTools],
 * })
 * export class AppModule {}
 * ```
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    {
      provide: MCP_AUTH_RESOLVED_OPTIONS,
      inject: [MCP_AUTH_MODULE_OPTIONS, MCP_AUTH_ENDPOINT_PATH],
      useFactory: (options: McpAuthOptions & { path?: unknown }, path: string) => {
        if (options && options.path !== undefined && options.path !== path) {
          throw new McpAuthConfigurationError('path', 'must be given to forRootAsync({ path }) itself, not returned by useFactory');
        }
        return resolveOptions(options, path);
      },
    },
    ...credentialStrategyProviders,
    {
      provide: AuthModuleOptions,
      inject: [MCP_AUTH_STRATEGY_NAMES],
      useFactory: (defaultStrategy: string[]) => ({ defaultStrategy, session: false }),
    },
    IssuerRegistry,
    {
      provide: RedisConnection,
      inject: [MCP_AUTH_RESOLVED_OPTIONS],
      useFactory: (options: ResolvedMcpAuthOptions) => RedisConnection.open(options),
    },
    {
      provide: MCP_AUTH_AUDIT_SINK,
      inject: [MCP_AUTH_RESOLVED_OPTIONS],
      useFactory: (options: ResolvedMcpAuthOptions) => options.auditSink ?? new LoggerAuditSink(),
    },
    AuditTrail,
    RateLimiter,
    PreAuthenticationLimitsGuard,
    PrincipalRateLimitGuard,
    InFlightRequests,
    Challenges,
    McpAuthGuard,
    OriginGuard,
    ScopePolicy,
    ToolCatalogue,
    EmptyCatalogueWarning,
    McpServerFactory,
    SharedSessionStore,
    SessionRegistry,
    PreDispatchAuthorization,
    McpEndpoint,
    ProtectedResourceMetadataService,
  ],
  exports: [MCP_AUTH_RESOLVED_OPTIONS, MCP_AUTH_AUDIT_SINK, ToolCatalogue, ScopePolicy, SessionRegistry],
})
export class McpAuthModule extends ConfigurableModuleClass implements NestModule {
  constructor(@Inject(MCP_AUTH_CONTROLLERS) private readonly controllers: Type<unknown>[]) {
    super();
  }

  /** The module's own routes answer without `X-Powered-By`. */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(withoutPoweredBy).forRoutes(...this.controllers);
  }
}
