import type { ParamData } from '@nestjs/common';
import type { ParamsFactory } from '@nestjs/core';
import { McpParamtype } from './mcp-param.decorators.js';
import { McpCallContext } from './mcp-call-context.js';

/** What each MCP parameter decorator receives, read from the call (always the last of a method's arguments). */
export class McpParamsFactory implements ParamsFactory {
  exchangeKeyForValue(type: number, data: ParamData | undefined, args: unknown[]): unknown {
    const call = args[args.length - 1];
    if (!(call instanceof McpCallContext)) return undefined;
    switch (type as McpParamtype) {
      case McpParamtype.ARGUMENTS:
        return typeof data === 'string' ? call.arguments[data] : call.arguments;
      case McpParamtype.PRINCIPAL:
        return typeof data === 'string' ? (call.principal as unknown as Record<string, unknown>)[data] : call.principal;
      case McpParamtype.CONTEXT:
        return call;
      default:
        return undefined;
    }
  }
}
