import { Inject, Injectable } from '@nestjs/common';
import { MCP_AUTH_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import type { ResolvedMcpAuthOptions } from '../mcp-auth.options.js';
import { ToolCatalogue } from '../tools/tool-catalogue.js';

/** The OAuth 2.0 Protected Resource Metadata document (RFC 9728 §2) this server publishes. */
export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  bearer_methods_supported: ['header'];
  scopes_supported?: string[];
  resource_name?: string;
}

/** Builds the metadata once the tools are known; the document never changes afterwards. */
@Injectable()
export class ProtectedResourceMetadataService {
  private document?: string;

  constructor(
    @Inject(MCP_AUTH_RESOLVED_OPTIONS) private readonly options: ResolvedMcpAuthOptions,
    private readonly catalogue: ToolCatalogue,
  ) {}

  /** The document, serialised once. Empty fields are left out, as RFC 9728 asks. */
  json(): string {
    return (this.document ??= JSON.stringify(this.build()));
  }

  build(): ProtectedResourceMetadata {
    const scopes = this.catalogue.scopesSupported.filter((scope) => scope !== 'offline_access');
    return {
      resource: this.options.resourceUrl,
      authorization_servers: [this.options.issuer],
      bearer_methods_supported: ['header'],
      ...(scopes.length > 0 ? { scopes_supported: [...scopes] } : {}),
      ...(this.options.resourceName ? { resource_name: this.options.resourceName } : {}),
    };
  }
}
