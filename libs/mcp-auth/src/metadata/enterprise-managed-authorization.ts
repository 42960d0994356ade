import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnApplicationBootstrap } from '@nestjs/common';
import { McpAuthConfigurationError } from '../mcp-auth-configuration.error.js';
import { MCP_AUTH_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import type { ResolvedMcpAuthOptions } from '../mcp-auth.options.js';

/** The extension's identifier (MCP ext-auth, stable). */
export const ENTERPRISE_MANAGED_AUTHORIZATION = 'io.modelcontextprotocol/enterprise-managed-authorization';

/** `enterpriseManagedAuthorization`: a boolean, and only where some identity provider issues the access tokens. */
export function resolveEnterpriseManagedAuthorization(value: unknown, hasIssuer: boolean): boolean {
  if (value === undefined || value === false) return false;
  if (value !== true) {
    throw new McpAuthConfigurationError('enterpriseManagedAuthorization', `must be true or false (got ${JSON.stringify(value)})`);
  }
  if (!hasIssuer) {
    throw new McpAuthConfigurationError(
      'enterpriseManagedAuthorization',
      'needs an issuer: with this extension an authorization server issues the access tokens (for an ID-JAG), and API keys have none',
    );
  }
  return true;
}

/**
 * The MCP extensions this server declares, as `capabilities.extensions` (what `server/discover`
 * and `initialize` answer) takes them: `{}` when none.
 */
export function declaredExtensions(
  options: Pick<ResolvedMcpAuthOptions, 'enterpriseManagedAuthorization'>,
): Record<string, Record<string, never>> {
  return options.enterpriseManagedAuthorization ? { [ENTERPRISE_MANAGED_AUTHORIZATION]: {} } : {};
}

/**
 * What declaring Enterprise-Managed Authorization asks of this deployment, said once at startup:
 * the access tokens an authorization server issues for an ID-JAG are audience-restricted to this
 * server's resource URL (extension §5.1), so an issuer that does not accept that audience would
 * refuse every one of them; and the extension advises a scope snapshot (§7.2.1), so its absence
 * is pointed out. Nothing here runs per request.
 */
@Injectable()
export class EnterpriseManagedAuthorizationCheck implements OnApplicationBootstrap {
  private readonly logger = new Logger('McpAuth');

  constructor(
    @Inject(MCP_AUTH_RESOLVED_OPTIONS)
    private readonly options: Pick<ResolvedMcpAuthOptions, 'enterpriseManagedAuthorization' | 'issuers' | 'resourceUrl' | 'scopeSnapshot'>,
  ) {}

  onApplicationBootstrap(): void {
    const { enterpriseManagedAuthorization, issuers, resourceUrl, scopeSnapshot } = this.options;
    if (!enterpriseManagedAuthorization) return;
    for (const issuer of issuers) {
      if (issuer.audiences.includes(resourceUrl)) continue;
      this.logger.warn(
        `Enterprise-Managed Authorization: tokens issued for an ID-JAG carry this server's resource URL ${resourceUrl} as audience (extension §5.1), but issuer ${issuer.issuers[0]} accepts only ${issuer.audiences.join(', ')}: add ${resourceUrl} to its audience if that authorization server serves Cross App Access, or its tokens will be refused`,
      );
    }
    if (!scopeSnapshot) {
      this.logger.log(
        'Enterprise-Managed Authorization: record which tools each scope opens (ScopeSnapshot.json()) and set scopeSnapshot, so that a scope that starts opening more is flagged at startup (extension §7.2.1; docs/enterprise-managed-authorization.md)',
      );
    }
  }
}
