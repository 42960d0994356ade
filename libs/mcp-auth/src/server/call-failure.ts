import { HttpException, Logger } from '@nestjs/common';
import { ProtocolError, ProtocolErrorCode, ResourceNotFoundError } from '@modelcontextprotocol/server';
import type { CallToolResult } from '@modelcontextprotocol/server';
import { boundedCallerText } from '../audit/caller-text.js';
import { DownstreamTokenError } from '../downstream/downstream-token.error.js';
import { McpInputUnavailableError } from '../asking/input-unavailable.error.js';
import { urlElicitationOf } from '../asking/url-elicitation-required.js';
import type { McpOperation } from '../invocation/mcp-execution-context.js';
import { toolErrorResult } from '../tools/tool-result.js';
import { FORBIDDEN_ERROR_CODE } from './handler-authorization.js';

const logger = new Logger('McpAuth');

/*
 * What a call answers when its pipeline (the application's guards, interceptors, pipes,
 * the method, its exception filters) failed, on both eras alike (the SDK writes each
 * error as the client's revision expects):
 *
 * | thrown                                     | `tools/call`                    | `resources/read`           | `prompts/get`   |
 * | ------------------------------------------ | ------------------------------- | -------------------------- | --------------- |
 * | `ProtocolError` (from a method or filter)  | that JSON-RPC error             | that JSON-RPC error        | the same        |
 * | input the client cannot give (see below)   | `isError` result, the message   | -32600 with the message    | -32600          |
 * | a page to visit nobody could ask about     | `isError` result, message + URL | -32600, message + URL      | -32600          |
 * | 401, 403 (a guard returning false)         | -32003 with the message         | -32003                     | -32003          |
 * | 400, 422 (a pipe's `BadRequestException`)  | `isError` result, the message   | -32602 with the message    | -32602          |
 * | 404                                        | `isError` result, the message   | -32602 resource not found  | -32602          |
 * | any other `HttpException`                  | `isError` result, the message   | -32603 with the message    | -32603          |
 * | `DownstreamTokenError` (`ctx.tokenFor`)    | `isError` result, the message   | -32603 with the message    | -32603          |
 * | anything else (logged, never sent)         | `isError` "Tool … failed"       | -32603 Internal error      | -32603          |
 *
 * Input the client cannot give: an ask on a 2025 session whose client did not declare the
 * capability, or on an endpoint without sessions (`McpInputUnavailableError`). A page to visit:
 * an error carrying a URL elicitation (`McpUrlElicitationRequired`, the SDK's
 * `UrlElicitationRequiredError`) where the client cannot be asked to open it, or declined to.
 *
 * A refusal is a protocol error on every kind (the tool did not run; the code is the one a
 * scope refusal that reaches a handler gets); on a tool anything else is a tool error the
 * model can read and act on, as the specification wants for execution and input errors.
 * An `HttpException`'s message is the application's to show, as on an HTTP route.
 */

/** A failed `tools/call`: the tool error result, or (a refusal, a `ProtocolError`) the thrown JSON-RPC error. */
export function toolFailure(error: unknown, operation: McpOperation): CallToolResult {
  const unavailable = inputUnavailableMessage(error);
  if (unavailable !== undefined) return toolErrorResult(unavailable);
  if (error instanceof ProtocolError) throw error;
  // Written for the caller (what to do: consent, sign in again), never carrying a token.
  if (error instanceof DownstreamTokenError) return toolErrorResult(error.message);
  if (!(error instanceof HttpException)) {
    logUnexpected(error, operation);
    return toolErrorResult(`Tool ${operation.name} failed`);
  }
  const status = error.getStatus();
  if (status === 401 || status === 403) throw new ProtocolError(FORBIDDEN_ERROR_CODE, httpMessageOf(error));
  return toolErrorResult(httpMessageOf(error));
}

/** The JSON-RPC error a failed `resources/read` or `prompts/get` answers. */
export function protocolErrorFor(error: unknown, operation: McpOperation): ProtocolError {
  const unavailable = inputUnavailableMessage(error);
  if (unavailable !== undefined) return new ProtocolError(ProtocolErrorCode.InvalidRequest, unavailable);
  if (error instanceof ProtocolError) return error;
  if (error instanceof DownstreamTokenError) return new ProtocolError(ProtocolErrorCode.InternalError, error.message);
  if (!(error instanceof HttpException)) {
    logUnexpected(error, operation);
    return new ProtocolError(ProtocolErrorCode.InternalError, 'Internal error');
  }
  const status = error.getStatus();
  const message = httpMessageOf(error);
  if (status === 401 || status === 403) return new ProtocolError(FORBIDDEN_ERROR_CODE, message);
  // The URI read is the caller's (a template's variables): echoed bounded, like every caller text.
  if (status === 404 && operation.kind === 'resource') return new ResourceNotFoundError(boundedCallerText(operation.uri), message);
  if (status === 400 || status === 404 || status === 422) return new ProtocolError(ProtocolErrorCode.InvalidParams, message);
  return new ProtocolError(ProtocolErrorCode.InternalError, message);
}

/** What the caller is told when the call needed input it could not get: undefined for any other error. */
function inputUnavailableMessage(error: unknown): string | undefined {
  if (error instanceof McpInputUnavailableError) return error.message;
  const page = urlElicitationOf(error);
  // The page is named once: in the message when it says it already, else after it.
  return page && (page.message.includes(page.url) ? page.message : `${page.message} (${page.url})`);
}

/** An error nobody meant for the client: its message and stack go to the log instead. */
function logUnexpected(error: unknown, operation: McpOperation): void {
  const kind = operation.kind === 'tool' ? 'Tool' : operation.kind === 'resource' ? 'Resource' : 'Prompt';
  logger.error(`${kind} ${operation.name} failed: ${(error as Error)?.message ?? String(error)}`, (error as Error)?.stack);
}

/** An `HttpException`'s message as Nest would send it: its response's `message` (a pipe's list joined), else its own. */
function httpMessageOf(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.map(String).join('; ');
  return typeof message === 'string' ? message : exception.message;
}
