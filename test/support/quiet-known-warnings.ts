import { ConsoleLogger, Logger } from '@nestjs/common';
import type { LogLevel } from '@nestjs/common';
import { HeldBackLogger } from './held-back-logger.js';

/**
 * Jest setup file, so that a green run prints little more than its summary:
 * - Nest's logger holds its lines back ({@link HeldBackLogger}); the environment (nest-logs-on-failure.mjs) prints
 *   them under a failing test only. Applications created with `logger: [...levels]` keep it, with those levels;
 *   `logger: false` silences them as before; a test that passes its own logger sees everything, as before.
 * - The embedded identity provider's known development notices are dropped. `oidc-provider` prints them through `console` on every start of the
 * example's development provider (in-memory adapter, default TTL and policy functions), which the tests
 * start dozens of times; they are expected there and say nothing about the code under test. Only these
 * exact notices are dropped; any other output, including other `oidc-provider` warnings, still shows.
 */
const KNOWN_OIDC_PROVIDER_NOTICES = [
  'oidc-provider WARNING: a quick start development-only in-memory adapter is used',
  'oidc-provider NOTICE: default ttl.ClientCredentials function called',
  'oidc-provider NOTICE: default features.introspection.allowedPolicy function called',
  'oidc-provider NOTICE: default features.revocation.allowedPolicy function called',
  // Only where a test gives the provider its own fetch (one that trusts the test's loopback certificate).
  'oidc-provider WARNING: failed to setup SSRF protection for fetch',
];

const isKnownNotice = (args: unknown[]): boolean =>
  typeof args[0] === 'string' && KNOWN_OIDC_PROVIDER_NOTICES.some((notice) => (args[0] as string).includes(notice));

for (const method of ['warn', 'info'] as const) {
  const print = console[method].bind(console);
  console[method] = (...args: unknown[]) => {
    if (!isKnownNotice(args)) print(...args);
  };
}

// Nest's ConsoleLogger colours its lines unless NO_COLOR is set, whether or not it writes to a terminal: in a
// test run its escape codes would reach the log raw.
process.env.NO_COLOR ??= '1';

Logger.overrideLogger(new HeldBackLogger());

// The example switches Nest to its own console logger once it listens (`app.useLogger` in src/main.ts): in the
// tests its lines are held back too, at the levels it asked for (LOG_LEVEL), as the harness's would be.
const overrideLogger = Logger.overrideLogger.bind(Logger);
Logger.overrideLogger = (logger) => {
  if (!(logger instanceof ConsoleLogger) || logger instanceof HeldBackLogger || logger.constructor.name !== 'ExampleConsoleLogger') {
    return overrideLogger(logger);
  }
  const heldBack = new HeldBackLogger();
  const levels = (logger as unknown as { options?: { logLevels?: LogLevel[] } }).options?.logLevels;
  if (levels) heldBack.setLogLevels(levels);
  return overrideLogger(heldBack);
};
