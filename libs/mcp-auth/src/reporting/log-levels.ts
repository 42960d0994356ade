import type { LoggingLevel } from '@modelcontextprotocol/server';

/** MCP's log levels, least severe first (RFC 5424's syslog levels). */
const LEVELS: readonly LoggingLevel[] = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];
const SEVERITY = new Map(LEVELS.map((level, index) => [level, index]));

export function isLoggingLevel(value: unknown): value is LoggingLevel {
  return SEVERITY.has(value as LoggingLevel);
}

/** Whether a message at `level` goes to a client that asked for `threshold` and above (nothing when it asked for nothing). */
export function passes(level: LoggingLevel, threshold: unknown): boolean {
  const floor = SEVERITY.get(threshold as LoggingLevel);
  return floor !== undefined && SEVERITY.get(level)! >= floor;
}

/**
 * `data` with every occurrence of the caller's `token` replaced, so that a log message a
 * method builds from what it has at hand (a header, an error that quotes a request) never
 * hands the client's credential back out. Only a message that will be sent pays for the check.
 */
export function withoutToken(data: unknown, token: string): unknown {
  if (token.length < 8) return data;
  if (typeof data === 'string') return data.includes(token) ? data.replaceAll(token, '[token]') : data;
  if (typeof data !== 'object' || data === null) return data;
  const text = JSON.stringify(data);
  return text?.includes(token) ? (JSON.parse(text.replaceAll(token, '[token]')) as unknown) : data;
}
