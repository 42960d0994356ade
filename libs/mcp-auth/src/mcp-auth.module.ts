import { Inject, Module, Optional, RequestMethod } from '@nestjs/common';
import type { MiddlewareConsumer, NestModule, Type } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DiscoveryModule, HttpAdapterHost } from '@nestjs/core';
import { AuthModuleOptions } from '@nestjs/passport';
import { RequestStateSeal } from './asking/request-state-seal.js';
import { AuditTrail } from './audit/audit-trail.js';
import { LoggerAuditSink, MCP_AUTH_AUDIT_SINK } from './audit/audit-sink.js';
import { Challenges } from './authentication/challenges.js';
import { McpAuthGuard } from './authentication/mcp-auth.guard.js';
import { DpopBinding } from './authentication/dpop/dpop-binding.js';
import { IssuerRegistry } from './authentication/identity-providers/issuer-registry.js';
import { credentialStrategyProviders } from './authentication/credential-strategies.js';
import { ScopePolicy } from './authorization/scope-policy.js';
import { McpAuthConfigurationError } from './mcp-auth-configuration.error.js';
import { MCP_AUTH_CONTROLLERS, MCP_AUTH_ENDPOINT_PATH, MCP_AUTH_RESOLVED_OPTIONS, MCP_AUTH_STRATEGY_NAMES } from './mcp-auth.constants.js';
import { mayAddPoweredBy, withoutPoweredBy } from './http/without-powered-by.middleware.js';
import { closeUnreadBodies } from './http/unread-body.middleware.js';
import { leaveMarkedBodiesUnparsed } from './http/fastify-unparsed-body.js';
import type { FastifyInstanceLike } from './http/fastify-unparsed-body.js';
import { ConfigurableModuleClass, MCP_AUTH_MODULE_OPTIONS } from './mcp-auth.module-definition.js';
import type { McpAuthOptions, ResolvedMcpAuthOptions } from './mcp-auth.options.js';
import { ProtectedResourceMetadataService } from './metadata/protected-resource-metadata.js';
import { PROTECTED_RESOURCE_METADATA_ROUTES, protectedResourceMetadataEndpoint } from './metadata/protected-resource-metadata.endpoint.js';
import { eventBusProvider } from './notifications/event-bus.provider.js';
import { LegacySessionNotifications } from './notifications/legacy-session-notifications.js';
import { ListenStreams } from './notifications/listen-streams.js';
import { McpNotifier } from './notifications/mcp-notifier.js';
import { RedisConnection } from './redis/redis-connection.js';
import { resolveOptions } from './resolve-options.js';
import { PreAuthenticationLimitsGuard, PrincipalRateLimitGuard } from './limits/request-limits.guards.js';
import { RateLimiter } from './limits/rate-limiter.js';
import { McpMethodInvoker } from './invocation/mcp-method-invoker.js';
import { McpServerFactory } from './server/mcp-server.factory.js';
import { EmptyCatalogueWarning } from './tools/empty-catalogue.warning.js';
import { ToolCatalogue } from './tools/tool-catalogue.js';
import { InFlightRequests } from './transport/in-flight-requests.js';
import { McpEndpoint } from './transport/mcp-endpoint.js';
import { ModernDirectPath } from './transport/modern-direct-path.js';
import { OriginGuard } from './transport/origin.guard.js';
import { PreDispatchAuthorization } from './transport/pre-dispatch-authorization.js';
import { SessionRegistry } from './transport/session-registry.js';
import { IntrospectionStrategy } from './authentication/introspection/introspection.strategy.js';
import { McpJwtStrategy } from './authentication/jwt.strategy.js';
import { livenessEndpoint, readinessEndpoint } from './observability/health-endpoints.js';
import { issuerKeyStores } from './observability/issuer-key-stores.js';
import { McpMetrics } from './observability/mcp-metrics.js';
import { metricsEndpoint } from './observability/metrics-endpoint.js';
import { MetricsServer } from './observability/metrics-server.js';
import { McpReadiness } from './observability/readiness.js';
import { SharedSessionStore } from './transport/shared-session-store.js';
import { DownstreamTokens } from './downstream/downstream-tokens.service.js';
import { ScopeSnapshot } from './authorization/scope-snapshot.service.js';
import { EnterpriseManagedAuthorizationCheck } from './metadata/enterprise-managed-authorization.js';

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
      // Null while metrics are off: every caller checks for it, and nothing is counted per request.
      provide: McpMetrics,
      inject: [MCP_AUTH_RESOLVED_OPTIONS, IssuerRegistry, McpJwtStrategy, IntrospectionStrategy, RedisConnection, DownstreamTokens],
      useFactory: (
        options: ResolvedMcpAuthOptions,
        issuers: IssuerRegistry,
        jwt: McpJwtStrategy | null,
        introspection: IntrospectionStrategy | null,
        redis: RedisConnection,
        downstream: DownstreamTokens,
      ): Promise<McpMetrics> | null =>
        options.metrics
          ? McpMetrics.create(options.metrics, {
              keyStores: issuerKeyStores(options, issuers),
              tokenCache: () => jwt?.tokenCacheStats,
              introspection: () => introspection?.stats ?? [],
              redisErrors: () => redis.errors,
              downstreamTokens: () => downstream.stats,
            })
          : null,
    },
    {
      provide: MetricsServer,
      inject: [McpMetrics, MCP_AUTH_RESOLVED_OPTIONS],
      useFactory: (metrics: McpMetrics | null, options: ResolvedMcpAuthOptions) =>
        metrics?.options.port !== undefined ? new MetricsServer(metrics, options.allowedOrigins) : null,
    },
    McpReadiness,
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
    DpopBinding,
    McpAuthGuard,
    OriginGuard,
    ScopePolicy,
    McpMethodInvoker,
    ToolCatalogue,
    EmptyCatalogueWarning,
    RequestStateSeal,
    McpServerFactory,
    SharedSessionStore,
    SessionRegistry,
    PreDispatchAuthorization,
    McpEndpoint,
    ModernDirectPath,
    ProtectedResourceMetadataService,
    eventBusProvider,
    McpNotifier,
    ListenStreams,
    LegacySessionNotifications,
    DownstreamTokens,
    ScopeSnapshot,
    EnterpriseManagedAuthorizationCheck,
  ],
  exports: [
    MCP_AUTH_RESOLVED_OPTIONS,
    MCP_AUTH_AUDIT_SINK,
    ToolCatalogue,
    ScopePolicy,
    SessionRegistry,
    McpMetrics,
    McpReadiness,
    MetricsServer,
    McpNotifier,
    DownstreamTokens,
    ScopeSnapshot,
  ],
})
export class McpAuthModule extends ConfigurableModuleClass implements NestModule {
  constructor(
    @Inject(MCP_AUTH_CONTROLLERS) private readonly controllers: Type<unknown>[],
    @Inject(MCP_AUTH_ENDPOINT_PATH) private readonly endpointPath: string,
    private readonly adapterHost: HttpAdapterHost,
    @Optional() @Inject(MCP_AUTH_RESOLVED_OPTIONS) private readonly options?: ResolvedMcpAuthOptions,
    @Optional() @Inject(McpMetrics) private readonly metrics?: McpMetrics | null,
    @Optional() private readonly readiness?: McpReadiness,
    @Optional() private readonly metadata?: ProtectedResourceMetadataService,
    @Optional() private readonly inFlight?: InFlightRequests,
  ) {
    super();
  }

  /**
   * The module's own routes close the connection of a request answered before its body was
   * read (`closeUnreadBodies`), and answer without `X-Powered-By` (no middleware for that where
   * the platform or the application already leaves it out). On Fastify, their bodies are
   * left for the endpoint to read (see `leaveMarkedBodiesUnparsed`): done here, as Nest
   * configures middleware before it registers routes. The protected resource metadata, the health and
   * the metrics endpoints are middleware, not routes: their paths come from options resolved at runtime
   * (`forRootAsync`), they answer before any guard or MCP logic runs, and they add no route lines to the
   * application's startup log. Requests to the endpoint are timed from here.
   */
  configure(consumer: MiddlewareConsumer): void {
    if (this.metadata) {
      consumer.apply(protectedResourceMetadataEndpoint(this.metadata, this.endpointPath)).forRoutes(...PROTECTED_RESOURCE_METADATA_ROUTES);
    }
    const adapter = this.adapterHost.httpAdapter;
    const middleware = mayAddPoweredBy(adapter) ? [withoutPoweredBy, closeUnreadBodies] : [closeUnreadBodies];
    consumer.apply(...middleware).forRoutes(...this.controllers);
    const { inFlight } = this;
    if (inFlight) {
      // POSTs count as in flight from here, before the guards: shutdown waits for them (InFlightRequests).
      consumer
        .apply((_req: IncomingMessage, res: ServerResponse, next: () => void) => {
          inFlight.arrived(res);
          next();
        })
        .forRoutes({ path: this.endpointPath, method: RequestMethod.POST });
    }
    if (adapter?.getType() === 'fastify') leaveMarkedBodiesUnparsed(adapter.getInstance<FastifyInstanceLike>());
    const { options, metrics, readiness } = this;
    if (!options) return;
    if (options.health && readiness) {
      consumer.apply(livenessEndpoint(options.allowedOrigins)).forRoutes({ path: options.health.livenessPath, method: RequestMethod.GET });
      consumer
        .apply(readinessEndpoint(readiness, options.allowedOrigins))
        .forRoutes({ path: options.health.readinessPath, method: RequestMethod.GET });
    }
    if (metrics) {
      if (metrics.options.port === undefined) {
        consumer
          .apply(metricsEndpoint(metrics, options.allowedOrigins))
          .forRoutes({ path: metrics.options.path, method: RequestMethod.GET });
      }
      consumer
        .apply((req: IncomingMessage, res: ServerResponse, next: () => void) => {
          metrics.track(req, res);
          next();
        })
        .forRoutes({ path: options.path, method: RequestMethod.ALL });
    }
  }
}
