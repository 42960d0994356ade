import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import { takeOverResponse } from '../http/node-exchange.js';
import { JsonRpcErrorCode, writeJsonRpcError } from '../transport/json-rpc-response.js';
import { LimitExceededException } from './limit-exceeded.exception.js';

/** Writes a {@link LimitExceededException} as the transport writes its own refusals: a JSON-RPC error with `id: null`. */
@Catch(LimitExceededException)
export class LimitExceededFilter implements ExceptionFilter {
  catch(exception: LimitExceededException, host: ArgumentsHost): void {
    const res = takeOverResponse(host.switchToHttp().getResponse());
    const headers: Record<string, string> = {};
    if (exception.retryAfterSeconds !== undefined) headers['Retry-After'] = String(Math.max(1, Math.ceil(exception.retryAfterSeconds)));
    if (exception.getStatus() === 413 || exception.getStatus() === 431) headers.Connection = 'close';
    writeJsonRpcError(res, exception.getStatus(), JsonRpcErrorCode.ConnectionClosed, exception.message, headers);
  }
}
