import type { McpPrincipal as Principal } from './authentication/principal.js';
import { McpPrincipal as McpPrincipalDecorator } from './invocation/mcp-param.decorators.js';

export { McpAuthModule } from './mcp-auth.module.js';
export type { McpAuthModuleExtras } from './mcp-auth.module-definition.js';
export { MCP_AUTH_MODULE_OPTIONS } from './mcp-auth.module-definition.js';
export type { JwksCacheOptions, JwtAlgorithm, McpAuthOptions, ResolvedMcpAuthOptions } from './mcp-auth.options.js';
export { McpAuthConfigurationError } from './mcp-auth-configuration.error.js';
export { MCP_AUTH_RESOLVED_OPTIONS } from './mcp-auth.constants.js';
export { protectedResourceMetadataUrl } from './resolve-options.js';
export type { McpRedisOptions } from './redis/redis.options.js';
export type { IoRedisClient } from './redis/redis-client.js';
export { RedisConnection } from './redis/redis-connection.js';
export { RedisThrottlerStorage } from './redis/redis-throttler.storage.js';
export type { McpProtocol } from './transport/protocol-era.js';
export { McpNotifier } from './notifications/mcp-notifier.js';
export { RedisServerEventBus } from './notifications/redis-server-event-bus.js';

export type { JwtClaims } from './authentication/principal.js';
export { clientIdOf } from './authentication/principal.js';
export type { ClaimsToScopes, KeycloakClaimsOptions, RolesAsScopes } from './authentication/claims-to-scopes.js';
export {
  auth0ClaimsToScopes,
  defaultClaimsToScopes,
  entraClaimsToScopes,
  keycloakClaimsToScopes,
  oktaClaimsToScopes,
} from './authentication/claims-to-scopes.js';
export { McpAuthGuard } from './authentication/mcp-auth.guard.js';
export { McpJwtStrategy } from './authentication/jwt.strategy.js';
export { JwksKeyStore } from './authentication/keys/jwks-key-store.js';
export type { JwksKeyStoreOptions, JwksKeyStoreStats } from './authentication/keys/jwks-key-store.js';
export { ApiKeyStrategy } from './authentication/api-keys/api-key.strategy.js';
export type { ApiKeyEntry, ApiKeysOptions } from './authentication/api-keys/api-keys.options.js';
export { API_KEY_ISSUER } from './authentication/api-keys/api-key-store.js';
export { generateApiKey, hashApiKey } from './authentication/api-keys/api-key-hash.js';
export { IntrospectionStrategy } from './authentication/introspection/introspection.strategy.js';
export type { IntrospectionOptions } from './authentication/introspection/introspection.options.js';
export { MIN_SHARED_SECRET_BYTES } from './resolve-credentials.js';
export { BearerChallengeException } from './authentication/bearer-challenge.exception.js';
export { TokenRejection } from './authentication/token-rejection.js';
export type { TokenRejectionCode } from './authentication/token-rejection.js';
export { DPOP_ALGORITHMS } from './authentication/dpop/dpop.options.js';
export type { DpopAlgorithm, DpopMode, DpopNonceOptions, McpDpopOptions } from './authentication/dpop/dpop.options.js';
export { DPOP_REJECTION_CODES, DpopRejection } from './authentication/dpop/dpop-rejection.js';
export type { DpopChallengeError, DpopRejectionCode } from './authentication/dpop/dpop-rejection.js';
export type { DpopConfirmation } from './authentication/dpop/token-confirmation.js';
export type { JwtHeader, McpIssuerOptions } from './authentication/identity-providers/issuer-options.js';
export { IssuerRegistry } from './authentication/identity-providers/issuer-registry.js';
export { keycloak } from './authentication/identity-providers/keycloak.preset.js';
export type { KeycloakPresetOptions } from './authentication/identity-providers/keycloak.preset.js';
export { entra } from './authentication/identity-providers/entra.preset.js';
export type { EntraCloud, EntraPresetOptions } from './authentication/identity-providers/entra.preset.js';
export { oidc } from './authentication/identity-providers/oidc.preset.js';
export { okta } from './authentication/identity-providers/okta.preset.js';
export type { OktaPresetOptions } from './authentication/identity-providers/okta.preset.js';
export { auth0 } from './authentication/identity-providers/auth0.preset.js';
export type { Auth0PresetOptions } from './authentication/identity-providers/auth0.preset.js';
export type { OidcPresetOptions } from './authentication/identity-providers/oidc.preset.js';

export { RequireScopes } from './authorization/require-scopes.decorator.js';
export type { ScopeRequirement } from './authorization/scope-requirement.js';
export { ScopePolicy } from './authorization/scope-policy.js';
export type { ScopeDecision } from './authorization/scope-policy.js';
export type { ScopeHierarchyOptions } from './authorization/scope-hierarchy.js';
export { REQUIRED_SCOPES_META_KEY } from './authorization/listing.js';
export type { McpListing } from './authorization/listing.js';
export { ScopeSnapshot } from './authorization/scope-snapshot.service.js';
export { SCOPE_SNAPSHOT_VERSION, scopeSnapshotDrift } from './authorization/scope-snapshot.js';
export type { McpScopeSnapshot, ScopeOpenings, ScopeSnapshotDrift } from './authorization/scope-snapshot.js';
export type { McpScopeSnapshotOptions, ScopeSnapshotDriftPolicy } from './authorization/scope-snapshot.options.js';

export { McpProvider, McpToolProvider } from './tools/mcp-tool-provider.decorator.js';
export { McpTool } from './tools/mcp-tool.decorator.js';
export type { McpToolOptions } from './tools/mcp-tool.decorator.js';
export type { McpRequestContext, McpToolContext } from './tools/mcp-tool-context.js';
export type { ToolSchema } from './tools/tool-schemas.js';
export { ToolCatalogue } from './tools/tool-catalogue.js';
export type { CatalogueTool, GuardedOperation } from './tools/tool-catalogue.js';
export { McpResource } from './resources/mcp-resource.decorator.js';
export type { McpResourceOptions } from './resources/mcp-resource.decorator.js';
export type { CatalogueResource } from './resources/catalogue-resource.js';
export { McpPrompt } from './prompts/mcp-prompt.decorator.js';
export type { McpPromptOptions } from './prompts/mcp-prompt.decorator.js';
export type { CataloguePrompt } from './prompts/catalogue-prompt.js';

export { McpExecutionContext } from './invocation/mcp-execution-context.js';
export type { McpContextType, McpOperation, McpProtocolEra } from './invocation/mcp-execution-context.js';
export { McpArgs, McpContext } from './invocation/mcp-param.decorators.js';
/**
 * `McpPrincipal` is both who is calling (the type) and the parameter decorator that
 * injects it: `@McpPrincipal() principal: McpPrincipal`.
 */
export type McpPrincipal = Principal;
export const McpPrincipal = McpPrincipalDecorator;
export { audioContent, embeddedResource, imageContent, resourceLink } from './content/content-blocks.js';
export type { BinaryData, ContentBlockOptions, McpContentBlock, ResourceLinkOptions } from './content/content-blocks.js';
export type { McpCompleter, McpCompletionContext, McpCompletions } from './completions/mcp-completion.js';
export { McpInput } from './asking/mcp-input.js';
export type {
  McpAnswerOf,
  McpAnswers,
  McpAsking,
  McpFormAnswer,
  McpFormContent,
  McpFormInput,
  McpFormJsonSchema,
  McpFormSchema,
  McpRootsInput,
  McpSamplingInput,
  McpUrlAnswer,
  McpUrlInput,
} from './asking/mcp-input.js';
export { McpInputRequired } from './asking/mcp-input-required.js';
export { MCP_URL_ELICITATION, McpUrlElicitationRequired } from './asking/url-elicitation-required.js';
export type { McpUrlElicitationRequest } from './asking/url-elicitation-required.js';
export type { McpRequestStateOptions } from './asking/request-state.options.js';
export { MIN_REQUEST_STATE_KEY_BYTES } from './asking/resolve-request-state.js';

export type { ProtectedResourceMetadata } from './metadata/protected-resource-metadata.js';
export { ENTERPRISE_MANAGED_AUTHORIZATION } from './metadata/enterprise-managed-authorization.js';

export type { McpAuditAction, McpAuditEvent } from './audit/audit-event.js';
export type { LoggerAuditSinkOptions, McpAuditSink } from './audit/audit-sink.js';
export { LoggerAuditSink, MCP_AUTH_AUDIT_SINK } from './audit/audit-sink.js';
export type { McpRateLimitOptions, RateLimitStoreErrorPolicy, RateLimitWindow } from './limits/rate-limit.options.js';
export { LIMIT_DEFAULTS } from './limits/resolve-limits.js';

export { DownstreamTokens } from './downstream/downstream-tokens.service.js';
export type { DownstreamCaller, DownstreamTokenResult, DownstreamTokenStats } from './downstream/downstream-tokens.service.js';
export { DownstreamToken } from './downstream/downstream-token.js';
export type { DownstreamTokenRequest } from './downstream/downstream-token.js';
export { DownstreamConsentRequiredError, DownstreamTokenError } from './downstream/downstream-token.error.js';
export type { DownstreamTokenErrorCode } from './downstream/downstream-token.error.js';
export type {
  DownstreamClientAuthMethod,
  DownstreamFlow,
  DownstreamPrivateKeyJwt,
  McpDownstreamCacheOptions,
  McpDownstreamOptions,
} from './downstream/downstream.options.js';
export { MIN_DOWNSTREAM_CACHE_KEY_BYTES } from './downstream/resolve-downstream.js';

export type { McpHealthOptions, McpMetricsOptions } from './observability/observability.options.js';
export { McpMetrics } from './observability/mcp-metrics.js';
export type { PrometheusRegistry } from './observability/prometheus-registry.js';
export { McpReadiness } from './observability/readiness.js';
export type { ReadinessReport } from './observability/readiness.js';
export { MetricsServer } from './observability/metrics-server.js';
