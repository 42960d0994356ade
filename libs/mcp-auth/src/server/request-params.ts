import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { ZodError } from 'zod';
import { describeIssues } from './handler-authorization.js';

/**
 * A request schema matching every request of `method`, whatever its params. Given the
 * SDK's own schema, `setRequestHandler` turns invalid params into a -32603 Internal
 * error carrying zod's message; with this one the params are checked by the SDK's
 * `tools/call` wrapper or by {@link validParams}, and answered -32602 Invalid params, as
 * JSON-RPC prescribes.
 */
export function anyParams<M extends string>(method: M) {
  return z.object({ method: z.literal(method) }).loose();
}

/** What {@link validParams} needs of a schema: zod's `safeParse`. */
interface RequestSchema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: ZodError };
}

/** `request` checked against the SDK's schema for its method; -32602 Invalid params when it does not fit. */
export function validParams<T>(schema: RequestSchema<T>, request: unknown): T {
  const parsed = schema.safeParse(request);
  if (!parsed.success) throw new McpError(ErrorCode.InvalidParams, `Invalid params: ${describeIssues(parsed.error)}`);
  return parsed.data;
}
