import { HttpException } from '@nestjs/common';

/**
 * A request refused by a limit: 413 (body), 431 (headers), 429 (rate, sessions per
 * subject) or 503 (sessions in total, shutting down). Rendered by
 * {@link LimitExceededFilter} as a JSON-RPC error with `Retry-After` when retrying can help.
 */
export class LimitExceededException extends HttpException {
  constructor(
    status: 413 | 429 | 431 | 503,
    message: string,
    /** Seconds after which the same request may succeed; sent as `Retry-After`. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message, status);
  }
}
