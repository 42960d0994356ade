import { Injectable } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { LimitExceededException } from '../limits/limit-exceeded.exception.js';
import { JsonRpcErrorCode, writeJsonRpcError } from './json-rpc-response.js';

/**
 * Counts the POSTs still being answered, from their arrival (before authentication, which may
 * wait on the identity provider), so that shutdown can let them finish: once draining starts,
 * requests that arrive get 503, and {@link drain} resolves when the last one counted is
 * answered or the time is up, whichever comes first. A request still in the guards when the
 * HTTP server closes would otherwise have its connection cut (`forceCloseConnections`).
 */
@Injectable()
export class InFlightRequests {
  private readonly open = new Set<ServerResponse>();
  private draining = false;
  private idle?: () => void;

  get size(): number {
    return this.open.size;
  }

  /** True once shutdown began draining (readiness answers 503 from then on). */
  get shuttingDown(): boolean {
    return this.draining;
  }

  /** A POST arrived (before any guard): counted until its response closes, unless shutdown already began. */
  arrived(res: ServerResponse): void {
    if (!this.draining) this.track(res);
  }

  /** The endpoint begins answering a POST: refused with 503 if it arrived after draining began. */
  begin(res: ServerResponse): void {
    if (this.open.has(res)) return;
    if (this.draining) throw new LimitExceededException(503, 'Service Unavailable: the server is shutting down', 1);
    this.track(res);
  }

  private track(res: ServerResponse): void {
    this.open.add(res);
    res.once('close', () => {
      this.open.delete(res);
      if (this.open.size === 0) this.idle?.();
    });
  }

  /** Stops admitting requests; resolves true when none is left, false when `timeoutMs` passed first. */
  drain(timeoutMs: number): Promise<boolean> {
    this.draining = true;
    if (this.open.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.idle = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
  }

  /** Ends what is still unanswered after the drain: 503 if nothing was sent yet, else the connection is cut. */
  abandon(): void {
    for (const res of this.open) {
      writeJsonRpcError(
        res,
        503,
        JsonRpcErrorCode.ConnectionClosed,
        'Service Unavailable: the server shut down before this request finished',
      );
    }
  }
}
