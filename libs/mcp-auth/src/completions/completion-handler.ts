import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';
import type { CompleteRequest, CompleteResult, ServerCapabilities, ServerContext } from '@modelcontextprotocol/server';
import { boundedCallerText } from '../audit/caller-text.js';
import type { DownstreamTokens } from '../downstream/downstream-tokens.service.js';
import type { ScopeRequirement } from '../authorization/scope-requirement.js';
import { McpCallContext } from '../invocation/mcp-call-context.js';
import type { McpOperation } from '../invocation/mcp-execution-context.js';
import { reachable } from '../server/catalogue-server.js';
import { principalOf } from '../server/handler-authorization.js';
import type { HandlerAuthorization, OperationTarget } from '../server/handler-authorization.js';
import type { ToolCatalogue } from '../tools/tool-catalogue.js';
import type { CatalogueCompletions } from './catalogue-completions.js';
import type { McpCompletionContext } from './mcp-completion.js';

/** At most this many suggestions in one answer (MCP `completion/complete`). */
const MAX_VALUES = 100;

const NO_SUGGESTIONS: CompleteResult = { completion: { values: [], total: 0, hasMore: false } };

/** What a completion request names: a prompt and its argument names, or a resource (template) and its variables. */
interface Completable {
  /** For messages: `Prompt product_description`, `Resource template products://items/{id}`. */
  readonly label: string;
  /** The prompt or resource the suggestions are for, as the completer's context names it. */
  readonly operation: McpOperation;
  readonly requirements: readonly ScopeRequirement[];
  readonly argumentNames: readonly string[];
  readonly completions?: CatalogueCompletions;
}

/**
 * `completion/complete`: suggestions for a prompt's arguments and a resource template's
 * variables, from the completers their decorators declare (`complete`), on both eras.
 * Answered only for what the caller may use, with the same scope rules and audit as a call:
 * an entry its lists hide is answered exactly like one that does not exist (-32602), so a
 * completion request cannot probe for hidden prompts or templates; with `listing: 'all'`
 * (where the entry is listed anyway) a caller without its scopes gets the -32003 refusal.
 */
export class CompletionHandler {
  /** Fixed URIs and URI templates (as written in the decorator), built on first use: the catalogue is complete by then. */
  private resources?: ReadonlyMap<string, Completable>;

  constructor(
    private readonly catalogue: ToolCatalogue,
    private readonly authorization: HandlerAuthorization,
    private readonly downstream?: DownstreamTokens,
  ) {}

  /** `{ completions: {} }` when some prompt or resource template declares a completer, else nothing to announce. */
  capability(): Pick<ServerCapabilities, 'completions'> {
    const declared = [...this.catalogue.prompts(), ...this.catalogue.resourceTemplates()].some((entry) => entry.completions?.size);
    return declared ? { completions: {} } : {};
  }

  readonly complete = reachable(async (request: CompleteRequest, ctx: ServerContext): Promise<CompleteResult> => {
    const principal = principalOf(ctx.http?.authInfo);
    const { ref, argument } = request.params;
    const entry = ref.type === 'ref/prompt' ? this.prompt(ref.name) : this.resource(ref.uri);
    const target: OperationTarget = ref.type === 'ref/prompt' ? { prompt: ref.name } : { resource: ref.uri };
    if (!entry) this.authorization.unknown(principal, 'completion/complete', target, ctx);
    if (!entry || !this.authorization.shows(principal, entry.requirements, 'completion/complete', target, ctx)) {
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        ref.type === 'ref/prompt'
          ? `Unknown prompt: ${boundedCallerText(ref.name)}`
          : `Unknown resource template: ${boundedCallerText(ref.uri)}`,
      );
    }
    this.authorization.refuseIfForbidden(principal, entry.requirements, 'completion/complete', target, ctx);
    if (!entry.argumentNames.includes(argument.name)) {
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `${entry.label} has no argument ${boundedCallerText(argument.name)}`);
    }
    this.authorization.allowed(principal, 'completion/complete', target, ctx);
    const completer = entry.completions?.get(argument.name);
    if (!completer) return NO_SUGGESTIONS;
    // The context's `arguments` are those the user already chose for the other arguments.
    const chosen = request.params.context?.arguments ?? {};
    // The SDK validated `context.arguments` as strings, which is what McpCompletionContext promises.
    const call = new McpCallContext(entry.operation, chosen, principal, ctx, ctx.mcpReq, {
      downstream: this.downstream,
    }) as unknown as McpCompletionContext;
    const suggestions = [...(await completer(argument.value, call))];
    return {
      completion: {
        values: suggestions.slice(0, MAX_VALUES).map(String),
        total: suggestions.length,
        hasMore: suggestions.length > MAX_VALUES,
      },
    };
  });

  private prompt(name: string): Completable | undefined {
    const prompt = this.catalogue.prompt(name);
    return (
      prompt && {
        label: `Prompt ${prompt.name}`,
        operation: prompt.operation,
        requirements: prompt.requirements,
        argumentNames: prompt.argumentNames,
        completions: prompt.completions,
      }
    );
  }

  /** A resource by the URI or URI template it was declared with (`ref/resource` names it so). */
  private resource(uri: string): Completable | undefined {
    this.resources ??= new Map(
      [...this.catalogue.resources(), ...this.catalogue.resourceTemplates()].map((resource) => {
        const declared = resource.uri ?? resource.template!.toString();
        const completable: Completable = {
          label: `Resource ${declared}`,
          operation: { kind: 'resource', name: resource.name, uri: declared },
          requirements: resource.requirements,
          argumentNames: resource.template?.variableNames ?? [],
          completions: resource.completions,
        };
        return [declared, completable];
      }),
    );
    return this.resources.get(uri);
  }
}
