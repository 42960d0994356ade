import { Logger } from '@nestjs/common';
import type { LoggerService } from '@nestjs/common';

/**
 * The logger the example starts with: it prints nothing (a configuration mistake must end in the
 * one line `main.ts` prints, not in Nest's trace), but keeps the warnings and errors logged while
 * the application starts, such as the scope snapshot's drift or an issuer whose audience cannot
 * take Enterprise-Managed Authorization tokens, so that they are printed once the application
 * listens and its real logger is on. Nest's own progress lines (`log` and below) are dropped.
 */
export class StartupWarnings implements LoggerService {
  private readonly kept: Array<{ level: 'warn' | 'error'; message: unknown; context?: string }> = [];

  warn(message: unknown, context?: string): void {
    this.kept.push({ level: 'warn', message, context });
  }

  error(message: unknown, _stackOrContext?: string, context?: string): void {
    this.kept.push({ level: 'error', message, context: context ?? _stackOrContext });
  }

  fatal(message: unknown, context?: string): void {
    this.kept.push({ level: 'error', message, context });
  }

  log(): void {}

  /** Prints what was kept through the application's logger (its levels apply), once. */
  replay(): void {
    for (const { level, message, context } of this.kept.splice(0)) {
      const logger = new Logger(context ?? 'Startup');
      if (level === 'warn') logger.warn(message);
      else logger.error(message);
    }
  }
}
