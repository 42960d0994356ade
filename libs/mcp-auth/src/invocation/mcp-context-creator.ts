import type { CanActivate } from '@nestjs/common';
import type { ExternalContextCreator } from '@nestjs/core';
import type { ExternalExceptionsHandler } from '@nestjs/core/exceptions/external-exceptions-handler.js';
import { ExecutionContextHost } from '@nestjs/core/internal';
import { McpInputRequired } from '../asking/mcp-input-required.js';
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
 * Runs the application's exception filters as Nest's own proxy (`ExternalErrorProxy`) does,
 * but leaves an exception no filter answered to the caller without logging it: the MCP
 * handler that turns it into the answer logs what was unexpected, once, whether or not a
 * filter saw it first. (Nest's generic handler logs only when no filter was picked: a
 * catch-all HTTP filter that rethrows, as an application's usually does for other context
 * types, would leave a failure unlogged.)
 */
const unloggedErrorProxy = {
  createProxy(
    target: (...args: unknown[]) => unknown,
    exceptionsHandler: ExternalExceptionsHandler,
    type: string,
  ): (...args: unknown[]) => Promise<unknown> {
    return async (...args) => {
      try {
        return await target(...args);
      } catch (error) {
        // The end of a 2026-07-28 round is no failure: no filter is to answer it.
        if (error instanceof McpInputRequired) throw error;
        const host = new ExecutionContextHost(args);
        host.setType(type);
        const answer: unknown = await exceptionsHandler.invokeCustomFilters(error, host);
        if (answer === undefined) throw error;
        return answer;
      }
    };
  },
};

/**
 * Nest's `ExternalContextCreator` as MCP calls need it: the returned object delegates to
 * `core` (its prototype) and overrides two steps of what `create()` builds, so everything
 * else (enhancer discovery, pipes, interceptors, parameter decorators) is Nest's own.
 *
 * - The guards step reports its decision: the audit trail records a call as allowed once
 *   the application's guards let it through, and a refusal with the guard that refused.
 *   Each guard runs through Nest's own step (`createGuardsFn`, public), one at a time and in
 *   Nest's order, so that a refusal names its guard.
 * - The exception filters run through {@link unloggedErrorProxy}, which never hands them the
 *   end of a round ({@link McpInputRequired}). Nest's creator keeps its
 *   proxy in a private field; should a version of Nest name it otherwise, its own proxy runs
 *   and an unexpected error is merely logged twice.
 */
export function mcpContextCreator(core: ExternalContextCreator, decisions: GuardDecisions): ExternalContextCreator {
  const creator = Object.create(core) as ExternalContextCreator;
  Object.defineProperty(creator, 'externalErrorProxy', { value: unloggedErrorProxy });
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
