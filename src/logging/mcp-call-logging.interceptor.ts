import { Injectable, Logger } from '@nestjs/common';
import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { McpExecutionContext, McpInputRequired } from 'nestjs-mcp-auth';
import type { McpContextType } from 'nestjs-mcp-auth';
import { performance } from 'node:perf_hooks';
import type { Observable } from 'rxjs';
import { tap } from 'rxjs';

/**
 * Logs every MCP call with what was called, by whom (the token's subject, never the
 * token) and how long it took: `tool create_product by alice answered in 3.2 ms`. A round of
 * a 2026-07-28 call that ends by asking the user (`delete_product`'s confirmation) is no failure:
 * `tool delete_product by alice asked the client for input in 1.1 ms`. A global interceptor
 * (APP_INTERCEPTOR) also wraps the application's HTTP routes, which it leaves alone.
 */
@Injectable()
export class McpCallLoggingInterceptor implements NestInterceptor {
  private readonly logger = new Logger('McpCalls');

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType<McpContextType>() !== 'mcp' || !Logger.isLevelEnabled('log')) return next.handle();
    const { operation, principal } = McpExecutionContext.from(context);
    const started = performance.now();
    const done = (outcome: string) =>
      this.logger.log(
        `${operation.kind} ${operation.name} by ${principal.sub} ${outcome} in ${(performance.now() - started).toFixed(1)} ms`,
      );
    return next.handle().pipe(
      tap({
        complete: () => done('answered'),
        error: (error: unknown) =>
          done(error instanceof McpInputRequired ? 'asked the client for input' : `failed (${(error as Error)?.name ?? 'error'})`),
      }),
    );
  }
}
