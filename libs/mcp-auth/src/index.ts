export { McpAuthModule } from './mcp-auth.module.js';
export type { McpAuthModuleExtras } from './mcp-auth.module-definition.js';
export { MCP_AUTH_MODULE_OPTIONS } from './mcp-auth.module-definition.js';
export type { JwksCacheOptions, JwtAlgorithm, McpAuthOptions, ResolvedMcpAuthOptions } from './mcp-auth.options.js';
export { McpAuthConfigurationError } from './mcp-auth-configuration.error.js';
export { MCP_AUTH_RESOLVED_OPTIONS } from './mcp-auth.constants.js';
export { protectedResourceMetadataUrl } from './resolve-options.js';

export type { JwtClaims, McpPrincipal } from './authentication/principal.js';
export { clientIdOf } from './authentication/principal.js';
export type { ClaimsToScopes, KeycloakClaimsOptions } from './authentication/claims-to-scopes.js';
export { defaultClaimsToScopes, entraClaimsToScopes, keycloakClaimsToScopes } from './authentication/claims-to-scopes.js';
export { McpAuthGuard } from './authentication/mcp-auth.guard.js';
export { McpJwtStrategy } from './authentication/jwt.strategy.js';
export { JwksKeyStore } from './authentication/keys/jwks-key-store.js';
export type { JwksKeyStoreOptions, JwksKeyStoreStats } from './authentication/keys/jwks-key-store.js';
export { BearerChallengeException } from './authentication/bearer-challenge.exception.js';
export { TokenRejection } from './authentication/token-rejection.js';
export type { TokenRejectionCode } from './authentication/token-rejection.js';
export type { JwtHeader, McpIssuerOptions } from './authentication/identity-providers/issuer-options.js';
export { IssuerRegistry } from './authentication/identity-providers/issuer-registry.js';
export { keycloak } from './authentication/identity-providers/keycloak.preset.js';
export type { KeycloakPresetOptions } from './authentication/identity-providers/keycloak.preset.js';
export { entra } from './authentication/identity-providers/entra.preset.js';
export type { EntraCloud, EntraPresetOptions } from './authentication/identity-providers/entra.preset.js';
export { oidc } from './authentication/identity-providers/oidc.preset.js';
export type { OidcPresetOptions } from './authentication/identity-providers/oidc.preset.js';

export { RequireScopes } from './authorization/require-scopes.decorator.js';
export type { ScopeRequirement } from './authorization/scope-requirement.js';
export { ScopePolicy } from './authorization/scope-policy.js';
export type { ScopeDecision } from './authorization/scope-policy.js';
export type { ScopeHierarchyOptions } from './authorization/scope-hierarchy.js';

export { McpToolProvider } from './tools/mcp-tool-provider.decorator.js';
export { McpTool } from './tools/mcp-tool.decorator.js';
export type { McpToolOptions } from './tools/mcp-tool.decorator.js';
export type { McpToolContext } from './tools/mcp-tool-context.js';
export { ToolCatalogue } from './tools/tool-catalogue.js';
export type { CatalogueTool } from './tools/tool-catalogue.js';

export type { ProtectedResourceMetadata } from './metadata/protected-resource-metadata.js';

export type { McpAuditAction, McpAuditEvent } from './audit/audit-event.js';
export type { McpAuditSink } from './audit/audit-sink.js';
export { LoggerAuditSink, MCP_AUTH_AUDIT_SINK } from './audit/audit-sink.js';
export type { McpRateLimitOptions, RateLimitWindow } from './limits/rate-limit.options.js';
export { LIMIT_DEFAULTS } from './limits/resolve-limits.js';
