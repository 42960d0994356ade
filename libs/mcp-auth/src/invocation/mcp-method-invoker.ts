import { Inject, Injectable, forwardRef } from '@nestjs/common';
import { ApplicationConfig, ExternalContextCreator } from '@nestjs/core';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/internal';
import { Injector, InstanceWrapper } from '@nestjs/core/internal';
import { isObservable, lastValueFrom } from 'rxjs';
import { AuditTrail } from '../audit/audit-trail.js';
import { sessionField } from '../server/handler-authorization.js';
import { auditedOperation } from './audited-operation.js';
import { mcpContextCreator } from './mcp-context-creator.js';
import { declaresEnhancers } from './declared-enhancers.js';
import { McpCallContext } from './mcp-call-context.js';
import { MCP_CONTEXT_TYPE } from './mcp-execution-context.js';
import { McpParamsFactory } from './mcp-params.factory.js';
import { contextIdOf } from './request-context.js';

/**
 * Calls a tool, resource or prompt method with its arguments, the {@link McpCallContext}
 * last; resolves with what the method (or an interceptor, or an exception filter)
 * produced, rejects with what the pipeline threw.
 */
export type McpInvoke = (...args: unknown[]) => Promise<unknown>;

/**
 * How every tool, resource and prompt method is called, decided once per method at
 * startup, the way `@nestjs/graphql` calls resolvers: through Nest's own pipeline
 * (`ExternalContextCreator`, context type `'mcp'`) so that the application's guards,
 * interceptors, pipes and exception filters (the method's, its class's and the global
 * ones) run around it, with {@link McpParamsFactory} answering the MCP parameter
 * decorators. A method with none of them is called directly, at no cost over the call
 * itself. A provider that is request-scoped, transient, or depends on such providers gets
 * its instance per call, in the DI context of the HTTP request that carried the call.
 *
 * The decision about a call is audited here, once the last check ran: allowed when the
 * application's guards let it through (or there are none), denied with `guard_denied`
 * and the guard's name when one refuses.
 */
@Injectable()
export class McpMethodInvoker {
  private readonly paramsFactory = new McpParamsFactory();
  private readonly injector = new Injector();
  private readonly contextCreator: ExternalContextCreator;

  constructor(
    core: ExternalContextCreator,
    private readonly config: ApplicationConfig,
    // Through forwardRef: the audit trail's imports lead back here (metrics, challenges, the catalogue).
    @Inject(forwardRef(() => AuditTrail)) private readonly audit: AuditTrail,
  ) {
    this.contextCreator = mcpContextCreator(core, {
      allowed: (call) => this.allowed(call),
      denied: (call, guard) => this.denied(call, guard),
    });
  }

  /** The function that calls `methodName` of the provider `wrapper` holds. */
  prepare(wrapper: InstanceWrapper, methodName: string): McpInvoke {
    const metatype = wrapper.metatype as abstract new (...args: never[]) => object;
    if (!wrapper.isDependencyTreeStatic()) return this.perCall(wrapper, methodName);
    const instance = wrapper.instance as Record<string, (...args: unknown[]) => unknown>;
    const method = instance[methodName];
    if (declaresEnhancers(metatype, methodName, this.config)) {
      return this.contextCreator.create(
        instance,
        method,
        methodName,
        ROUTE_ARGS_METADATA,
        this.paramsFactory,
        undefined,
        undefined,
        undefined,
        MCP_CONTEXT_TYPE,
      );
    }
    return async (...args) => {
      this.allowed(args[args.length - 1] as McpCallContext);
      const value = method.apply(instance, args);
      // As a route may, a method may answer with an Observable: its last value is the answer.
      return isObservable(value) ? lastValueFrom(value) : value;
    };
  }

  /** A provider that is not a singleton: its instance for each call's request, then Nest's pipeline as for a singleton. */
  private perCall(wrapper: InstanceWrapper, methodName: string): McpInvoke {
    const durable = wrapper.isDependencyTreeDurable();
    const module = wrapper.host!;
    return async (...args) => {
      const call = args[args.length - 1] as McpCallContext;
      const contextId = contextIdOf(call, this.contextCreator, durable);
      const instance = (await this.injector.loadPerContext(wrapper.instance, module, module.providers, contextId, wrapper)) as Record<
        string,
        (...args: unknown[]) => unknown
      >;
      const run = this.contextCreator.create(
        instance,
        instance[methodName],
        methodName,
        ROUTE_ARGS_METADATA,
        this.paramsFactory,
        contextId,
        wrapper.id,
        undefined,
        MCP_CONTEXT_TYPE,
      );
      return run(...args);
    };
  }

  private allowed(call: McpCallContext): void {
    const { action, target } = auditedOperation(call.operation);
    this.audit.decided(action, 'allowed', call.principal, { ...target, ...sessionField(call) });
  }

  private denied(call: McpCallContext, guard: string): void {
    const { action, target } = auditedOperation(call.operation);
    this.audit.decided(action, 'denied', call.principal, { reason: 'guard_denied', guard, ...target, ...sessionField(call) });
  }
}
