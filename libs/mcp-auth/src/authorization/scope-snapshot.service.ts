import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnApplicationBootstrap } from '@nestjs/common';
import { McpAuthConfigurationError } from '../mcp-auth-configuration.error.js';
import { MCP_AUTH_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import type { ResolvedMcpAuthOptions } from '../mcp-auth.options.js';
import { ToolCatalogue } from '../tools/tool-catalogue.js';
import { ScopePolicy } from './scope-policy.js';
import { describeOpenings, scopeSnapshotDrift, takeScopeSnapshot } from './scope-snapshot.js';
import type { McpScopeSnapshot, ScopeSnapshotDrift } from './scope-snapshot.js';

/**
 * Which tools, resources and prompts each scope opens, and whether that grew since the
 * snapshot the deployment recorded (Enterprise-Managed Authorization §7.2.1: "scope versioning
 * or tool snapshot tracking to detect when a scope's definition changes to include new,
 * high-risk tools").
 *
 * Record the snapshot from the running application (`json()`), keep it in version control
 * beside the release, and set `scopeSnapshot: { file }`: at every startup the live catalogue is
 * compared with it, and each scope that now opens something it did not is named, in a warning or
 * (`onDrift: 'fail'`) a startup error. Review who holds such a scope at the identity provider,
 * then record the snapshot again. Taken once at startup; nothing is done per request.
 *
 * @example
 * ```ts
 * // scripts/record-scope-snapshot.ts: print the snapshot of this release
 * const app = await NestFactory.create(AppModule, { logger: ['error'] });
 * await app.init();
 * writeFileSync('scope-snapshot.json', app.get(ScopeSnapshot).json());
 * await app.close();
 * ```
 */
@Injectable()
export class ScopeSnapshot implements OnApplicationBootstrap {
  private readonly logger = new Logger('McpAuth');
  private snapshot?: McpScopeSnapshot;

  constructor(
    @Inject(MCP_AUTH_RESOLVED_OPTIONS)
    private readonly options: Pick<ResolvedMcpAuthOptions, 'scopeHierarchy' | 'server' | 'scopeSnapshot'>,
    private readonly catalogue: ToolCatalogue,
    private readonly policy: ScopePolicy,
  ) {}

  /** The live snapshot (taken once the catalogue is built: from `onApplicationBootstrap` on, or after `app.init()`). */
  current(): McpScopeSnapshot {
    return (this.snapshot ??= takeScopeSnapshot(
      {
        tools: this.catalogue.all(),
        resources: [...this.catalogue.resources(), ...this.catalogue.resourceTemplates()],
        prompts: this.catalogue.prompts(),
        scopes: this.policy.supportedScopes(this.catalogue.scopesSupported),
      },
      this.options.scopeHierarchy,
      this.options.server,
    ));
  }

  /** The live snapshot as the JSON to record: two-space indented, keys and names sorted, a final newline. */
  json(): string {
    return `${JSON.stringify(this.current(), null, 2)}\n`;
  }

  /** What each scope (and any valid token) opens now beyond `recorded`; empty when nothing grew. */
  compare(recorded: McpScopeSnapshot): ScopeSnapshotDrift[] {
    return scopeSnapshotDrift(recorded, this.current());
  }

  onApplicationBootstrap(): void {
    const configured = this.options.scopeSnapshot;
    if (!configured) return;
    const { recorded, source, onDrift } = configured;
    if (!recorded) {
      this.logger.warn(
        `No scope snapshot is recorded at ${source} yet, so a scope that starts opening more tools goes unnoticed: record this release's snapshot there (ScopeSnapshot.json(), see docs/enterprise-managed-authorization.md) and keep it with the release`,
      );
      return;
    }
    const drift = this.compare(recorded);
    if (drift.length === 0) {
      this.logger.log(
        `Scope snapshot: no scope opens more than in ${source} (recorded for ${recorded.server.name} ${recorded.server.version})`,
      );
      return;
    }
    const lines = drift.map((entry) => driftLine(entry, recorded));
    if (onDrift === 'fail') {
      throw new McpAuthConfigurationError(
        'scopeSnapshot',
        `the catalogue opens more than the recorded snapshot ${source}: ${lines.join('; ')}. Review who holds these scopes at the identity provider (re-authorize), then record the snapshot again`,
      );
    }
    for (const line of lines) {
      this.logger.warn(
        `Scope snapshot: ${line}. Review who holds it at the identity provider (Enterprise-Managed Authorization §7.2.1 asks for re-authorization), then record the snapshot again (${source})`,
      );
    }
  }
}

function driftLine(entry: ScopeSnapshotDrift, recorded: McpScopeSnapshot): string {
  const since = `${recorded.server.name} ${recorded.server.version}`.trim();
  return entry.scope === undefined
    ? `every valid token now opens ${describeOpenings(entry)}, which needed a scope (or did not exist) in the recorded snapshot${since ? ` of ${since}` : ''}`
    : `scope "${entry.scope}" now opens ${describeOpenings(entry)}, which it did not open in the recorded snapshot${since ? ` of ${since}` : ''}`;
}
