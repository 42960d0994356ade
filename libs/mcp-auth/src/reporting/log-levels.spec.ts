import { isLoggingLevel, passes, withoutToken } from './log-levels.js';

describe('log levels', () => {
  it('lets a message through at the level the client asked for and above, and nothing when it asked for none', () => {
    expect(passes('info', 'info')).toBe(true);
    expect(passes('error', 'warning')).toBe(true);
    expect(passes('debug', 'info')).toBe(false);
    expect(passes('emergency', undefined)).toBe(false);
    expect(passes('info', 'verbose')).toBe(false);
  });

  it("knows MCP's eight levels and nothing else", () => {
    expect(['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'].every(isLoggingLevel)).toBe(true);
    expect(isLoggingLevel('warn')).toBe(false);
  });

  it("replaces the caller's token wherever it appears in the data, and leaves other data as it is", () => {
    const token = 'eyJhbGciOiJSUzI1NiJ9.payload.signature';
    expect(withoutToken(`Bearer ${token}`, token)).toBe('Bearer [token]');
    expect(withoutToken({ headers: { authorization: `Bearer ${token}` }, n: 1 }, token)).toEqual({
      headers: { authorization: 'Bearer [token]' },
      n: 1,
    });
    const untouched = { n: 1 };
    expect(withoutToken(untouched, token)).toBe(untouched);
    expect(withoutToken(42, token)).toBe(42);
  });
});
