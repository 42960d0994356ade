import type { CanActivate } from '@nestjs/common';
import type { ExternalContextCreator } from '@nestjs/core';
import type { McpCallContext } from './mcp-call-context.js';

/** Where the guards step reports its decision about a call. */
export interface GuardDecisions {
  /** Every guard let the call through (also called when there is none). */
  allowed(call: McpCallContext): void;
  /** `guard` refused the call: returned false or threw. */
  denied(call: McpCallContext, guard: string): void;
}

type GuardsFn = (args: unknown[]) => Promise<void>;

/**
 * Nest's `ExternalContextCreator` with a guards step that reports its decision: the audit
 * trail records a call as allowed once the application's guards let it through, and a
 * refusal with the guard that refused. Everything else is Nest's own: the returned object
 * delegates to `core` (its prototype), overriding only `createGuardsFn`, the public step
 * `create()` builds the guards with. Each guard runs through Nest's own step, one at a time
 * and in Nest's order, so that a refusal names its guard.
 */
export function withAuditedGuards(core: ExternalContextCreator, decisions: GuardDecisions): ExternalContextCreator {
  const creator = Object.create(core) as ExternalContextCreator;
  creator.createGuardsFn = (guards: CanActivate[], instance, callback, contextType): GuardsFn => {
    const steps = guards.map((guard) => ({
      guard: guard.constructor?.name || 'guard',
      check: core.createGuardsFn([guard], instance, callback, contextType) as GuardsFn,
    }));
    return async (args) => {
      const call = args[args.length - 1] as McpCallContext;
      for (const { guard, check } of steps) {
        try {
          await check(args);
        } catch (error) {
          decisions.denied(call, guard);
          throw error;
        }
      }
      decisions.allowed(call);
    };
  };
  return creator;
}
