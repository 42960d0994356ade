import {
  BadRequestException,
  Catch,
  ConflictException,
  ForbiddenException,
  HttpException,
  ImATeapotException,
  Inject,
  Injectable,
  NotFoundException,
  PreconditionFailedException,
  Scope,
  UseFilters,
  UseGuards,
  UseInterceptors,
  UsePipes,
  createParamDecorator,
} from '@nestjs/common';
import type {
  ArgumentMetadata,
  ArgumentsHost,
  CallHandler,
  CanActivate,
  ExceptionFilter,
  ExecutionContext,
  NestInterceptor,
  PipeTransform,
} from '@nestjs/common';
import { BaseExceptionFilter, REQUEST } from '@nestjs/core';
import { ProtocolError } from '@modelcontextprotocol/server';
import type { IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import { type as arkType } from 'arktype';
import * as v from 'valibot';
import { toStandardJsonSchema } from '@valibot/to-json-schema';
import { Observable, catchError, map, of, tap, throwError } from 'rxjs';
import { z } from 'zod';
import {
  McpArgs,
  McpContext,
  McpExecutionContext,
  McpPrincipal,
  McpPrompt,
  McpProvider,
  McpResource,
  McpTool,
  RequireScopes,
} from 'nestjs-mcp-auth';
import type { McpContextType, McpToolContext } from 'nestjs-mcp-auth';

/**
 * What the enhancers of the test catalogue saw, in order: `guard:global`, `before:class`,
 * `pipe:method`, `method`, `after:global`, `filter:class`... Enhancers of HTTP routes skip
 * other context types, so only MCP calls are recorded.
 */
@Injectable()
export class CallLog {
  steps: string[] = [];
  /** The call as the global guard read it. */
  calls: McpExecutionContext[] = [];
  /** What the method received as its context (`@McpContext()`). */
  contexts: McpToolContext[] = [];
  /** Milliseconds each call took, as the global interceptor measured it. */
  durations: number[] = [];
  /** Errors the global interceptor saw pass. */
  errors: string[] = [];

  reset(): void {
    this.steps = [];
    this.calls = [];
    this.contexts = [];
    this.durations = [];
    this.errors = [];
  }
}

const isMcp = (context: ExecutionContext | ArgumentsHost) => context.getType<McpContextType>() === 'mcp';

/** An enhancer's label, from its class name: `MethodGuard` is `method`. */
const labelOf = (enhancer: object, kind: string) => enhancer.constructor.name.slice(0, -kind.length).toLowerCase();

/** Records its turn; refuses when an argument says `deny:<its label>` (returns false) or `refuse:<its label>` (throws a 403). */
@Injectable()
abstract class RecordingGuard implements CanActivate {
  constructor(protected readonly log: CallLog) {}

  protected get label(): string {
    return labelOf(this, 'Guard');
  }

  canActivate(context: ExecutionContext): boolean {
    if (!isMcp(context)) return true;
    const call = McpExecutionContext.from(context);
    this.log.steps.push(`guard:${this.label}`);
    if (this.label === 'global') this.log.calls.push(call);
    const values = Object.values(call.arguments);
    if (values.includes(`deny:${this.label}`)) return false;
    if (values.includes(`refuse:${this.label}`)) throw new ForbiddenException(`The ${this.label} guard refuses`);
    return true;
  }
}

@Injectable()
export class GlobalGuard extends RecordingGuard {}
@Injectable()
export class ClassGuard extends RecordingGuard {}
@Injectable()
export class MethodGuard extends RecordingGuard {}

/** Records before and after the call, and marks the result (`via`) on the way back; the global one also times the call and notes errors. */
@Injectable()
abstract class RecordingInterceptor implements NestInterceptor {
  constructor(protected readonly log: CallLog) {}

  protected get label(): string {
    return labelOf(this, 'Interceptor');
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (!isMcp(context)) return next.handle();
    this.log.steps.push(`before:${this.label}`);
    const started = performance.now();
    return next.handle().pipe(
      map((value) =>
        typeof value === 'object' && value !== null && !Array.isArray(value)
          ? { ...value, via: [...((value as { via?: string[] }).via ?? []), this.label] }
          : value,
      ),
      tap(() => {
        this.log.steps.push(`after:${this.label}`);
        if (this.label === 'global') this.log.durations.push(performance.now() - started);
      }),
      catchError((error: unknown) => {
        this.log.steps.push(`error:${this.label}`);
        if (this.label === 'global') this.log.errors.push(error instanceof Error ? error.constructor.name : String(error));
        return throwError(() => error);
      }),
    );
  }
}

@Injectable()
export class GlobalInterceptor extends RecordingInterceptor {}
@Injectable()
export class ClassInterceptor extends RecordingInterceptor {}
@Injectable()
export class MethodInterceptor extends RecordingInterceptor {}

/** The call's failure trigger, as its `text` argument, a resource's `id` or a prompt's `topic` carries it. */
const TRIGGERS = new Set(['text', 'id', 'topic']);

/** Appends its label to the trigger argument (so the value shows the order); the method's throws 400 for `bad_request`. */
@Injectable()
abstract class RecordingPipe implements PipeTransform {
  constructor(protected readonly log: CallLog) {}

  protected get label(): string {
    return labelOf(this, 'Pipe');
  }

  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (typeof metadata.data !== 'string' || !TRIGGERS.has(metadata.data) || typeof value !== 'string') return value;
    this.log.steps.push(`pipe:${this.label}`);
    if (this.label === 'method' && value.startsWith('bad_request')) {
      throw new BadRequestException(['text must not be bad', 'and neither must the rest']);
    }
    return `${value}|${this.label}`;
  }
}

@Injectable()
export class GlobalPipe extends RecordingPipe {}
@Injectable()
export class ClassPipe extends RecordingPipe {}
@Injectable()
export class MethodPipe extends RecordingPipe {}
@Injectable()
export class ParamPipe extends RecordingPipe {}

/** The global filter: a 418 becomes whatever the kind answers with a value (a tool result, resource contents, a prompt). */
@Catch(ImATeapotException)
@Injectable()
export class GlobalTeapotFilter implements ExceptionFilter {
  constructor(private readonly log: CallLog) {}

  catch(exception: ImATeapotException, host: ArgumentsHost): unknown {
    if (!isMcp(host)) throw exception;
    this.log.steps.push('filter:global');
    const { operation } = McpExecutionContext.from(host);
    if (operation.kind === 'tool') return { isError: true, content: [{ type: 'text', text: `Short and stout (${operation.name})` }] };
    if (operation.kind === 'resource') return { contents: [{ uri: operation.uri, text: 'short and stout' }] };
    return 'Describe a teapot, short and stout';
  }
}

/** The class filter: a 409 becomes the JSON-RPC error the filter throws (a ProtocolError passes through as it is). */
@Catch(ConflictException)
export class ClassConflictFilter implements ExceptionFilter {
  catch(exception: ConflictException, host: ArgumentsHost): never {
    const { operation } = McpExecutionContext.from(host);
    throw new ProtocolError(-32010, `Conflict on ${operation.kind} ${operation.name}: ${exception.message}`);
  }
}

/** The method filter: a 412 becomes a plain value, converted as the method's own result would be. */
@Catch(PreconditionFailedException)
export class MethodPreconditionFilter implements ExceptionFilter {
  catch(_exception: PreconditionFailedException, host: ArgumentsHost): unknown {
    if (!isMcp(host)) throw _exception;
    return { recovered: McpExecutionContext.from(host).operation.name };
  }
}

/** A custom parameter decorator, as an application writes for HTTP routes: here it reads the MCP call. */
export const CallerClient = createParamDecorator((prefix: string | undefined, context: ExecutionContext) => {
  const { principal } = McpExecutionContext.from(context);
  return `${prefix ?? ''}${principal.clientId}`;
});

/** Throws what `trigger` names, or returns nothing. */
function fail(trigger: string): void {
  const kind = trigger.split('|')[0];
  if (kind === 'forbidden') throw new ForbiddenException('Not for you');
  if (kind === 'not_found') throw new NotFoundException('No such thing here');
  if (kind === 'conflict') throw new ConflictException('Already there');
  if (kind === 'teapot') throw new ImATeapotException();
  if (kind === 'precondition') throw new PreconditionFailedException();
  if (kind === 'gone') throw new HttpException('Gone for good', 410);
  if (kind === 'unexpected') throw new Error('database password is hunter2');
  if (kind === 'protocol') throw new ProtocolError(-32050, 'Chosen by the method');
}

/** Every kind of enhancer on every kind of operation. */
@McpProvider()
@UseGuards(ClassGuard)
@UseInterceptors(ClassInterceptor)
@UsePipes(ClassPipe)
@UseFilters(ClassConflictFilter)
export class EnhancedCatalogue {
  constructor(private readonly log: CallLog) {}

  @McpTool({
    name: 'enhanced_echo',
    description: 'Echoes its text, through every enhancer',
    input: { text: z.string() },
  })
  @UseGuards(MethodGuard)
  @UseInterceptors(MethodInterceptor)
  @UsePipes(MethodPipe)
  @UseFilters(MethodPreconditionFilter)
  echo(
    @McpArgs('text', ParamPipe) text: string,
    @McpPrincipal('sub') subject: string,
    @CallerClient('client:') client: string,
    @McpContext() context: McpToolContext,
  ) {
    this.log.steps.push('method');
    this.log.contexts.push(context);
    fail(text);
    return { text, subject, client };
  }

  @McpTool({ name: 'enhanced_observable', description: 'Answers with an Observable' })
  observable(@McpArgs() args: Record<string, unknown>) {
    this.log.steps.push('method');
    return of({ observed: true, args });
  }

  @McpTool({ name: 'enhanced_admin', description: 'Needs Admin.Write before any guard runs' })
  @RequireScopes('Admin.Write')
  @UseGuards(MethodGuard)
  admin() {
    this.log.steps.push('method');
    return 'admin';
  }

  @McpResource({ uriTemplate: 'enhanced://items/{id}', name: 'enhanced_item', mimeType: 'application/json' })
  @UseGuards(MethodGuard)
  @UseInterceptors(MethodInterceptor)
  @UsePipes(MethodPipe)
  item(@McpArgs('id', ParamPipe) id: string, @McpContext() context: McpToolContext) {
    this.log.steps.push('method');
    this.log.contexts.push(context);
    fail(id);
    return { id, uri: context.operation.kind === 'resource' ? context.operation.uri : undefined };
  }

  @McpPrompt({ name: 'enhanced_prompt', description: 'A prompt through every enhancer', args: { topic: z.string() } })
  @UseGuards(MethodGuard)
  @UseInterceptors(MethodInterceptor)
  @UsePipes(MethodPipe)
  prompt(@McpArgs('topic', ParamPipe) topic: string, @McpPrincipal() principal: McpPrincipal) {
    this.log.steps.push('method');
    fail(topic);
    return `Write about ${topic} for ${principal.sub}`;
  }

  /** A method without decorated parameters: today's `(args, context)`, through the class's enhancers. */
  @McpTool({ name: 'enhanced_plain', input: { text: z.string() } })
  plain({ text }: { text: string }, context: McpToolContext) {
    this.log.steps.push('method');
    return { text, sub: context.principal.sub, operation: context.operation };
  }
}

/** Tools whose schemas come from Valibot and ArkType (Standard Schema with JSON Schema). */
@McpProvider()
export class StandardSchemaTools {
  @McpTool({
    name: 'valibot_greet',
    input: toStandardJsonSchema(v.object({ name: v.pipe(v.string(), v.minLength(2)), times: v.optional(v.number()) })),
    output: arkType({ greeting: 'string' }),
  })
  greet({ name, times }: { name: string; times?: number }) {
    return { greeting: `Hello ${name}`.repeat(times ?? 1) };
  }

  @McpTool({ name: 'arktype_broken_output', input: arkType({ 'n?': 'number' }), output: arkType({ greeting: 'string' }) })
  broken() {
    return { greeting: 42 };
  }

  @McpPrompt({
    name: 'valibot_haiku',
    args: toStandardJsonSchema(
      v.object({
        topic: v.pipe(v.string(), v.minLength(3), v.description('What the haiku is about')),
        mood: v.optional(v.picklist(['calm', 'stormy'])),
      }),
    ),
    complete: { topic: (value) => ['autumn', 'avalanche', 'winter'].filter((topic) => topic.startsWith(value)) },
  })
  haiku({ topic, mood }: { topic: string; mood?: string }) {
    return `Write a ${mood ?? 'calm'} haiku about ${topic}`;
  }
}

/** A request-scoped dependency: one instance per request, with the HTTP request that carried the call. */
@Injectable({ scope: Scope.REQUEST })
export class RequestScopedTrace {
  static created = 0;
  readonly instance = ++RequestScopedTrace.created;
  constructor(
    @Inject(REQUEST) readonly request: { headers: IncomingMessage['headers']; raw?: { user?: { sub: string } }; user?: { sub: string } },
  ) {}
}

/** A provider made request-scoped by its dependency (the common case). */
@McpProvider()
export class RequestScopedTools {
  constructor(private readonly trace: RequestScopedTrace) {}

  @McpTool({ name: 'request_scope', description: 'Which request-scoped instance served the call' })
  which() {
    const { request } = this.trace;
    return { instance: this.trace.instance, trace: request.headers['x-trace'] ?? null, sub: (request.raw ?? request).user?.sub ?? null };
  }
}

/** A provider request-scoped itself: an instance per request. */
@McpProvider({ scope: Scope.REQUEST })
export class RequestScopedProvider {
  static created = 0;
  readonly instance = ++RequestScopedProvider.created;

  @McpTool({ name: 'request_scoped_provider', description: 'Which instance of the request-scoped provider served the call' })
  which(_args: unknown, context: McpToolContext) {
    return { instance: this.instance, sub: context.principal.sub };
  }
}

/** A catch-all filter written for HTTP routes, as many applications have: its first line leaves MCP calls to the table. */
@Catch()
export class HttpOnlyExceptionFilter extends BaseExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    super.catch(exception, host);
  }
}

/** A guard written for HTTP routes, made safe for MCP calls by its first line. */
@Injectable()
export class HttpOnlyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<{ headers: IncomingMessage['headers'] }>();
    return request.headers['x-refuse-http'] !== 'yes';
  }
}
