import { jest } from '@jest/globals';
import { ConsoleLogger } from '@nestjs/common';
import { ExampleConsoleLogger } from './example-console-logger.js';

type WithTimestamp = { getTimestamp(): string };
const timestampOf = (logger: ConsoleLogger) => (logger as unknown as WithTimestamp).getTimestamp();

describe('ExampleConsoleLogger', () => {
  afterEach(() => jest.useRealTimers());

  it('prints the same date prefix as ConsoleLogger, following the clock from one second to the next', () => {
    jest.useFakeTimers({ now: new Date('2026-11-30T21:45:57.100Z') });
    const logger = new ExampleConsoleLogger();
    expect(timestampOf(logger)).toBe(timestampOf(new ConsoleLogger()));
    jest.setSystemTime(new Date('2026-11-30T21:45:57.900Z'));
    expect(timestampOf(logger)).toBe(timestampOf(new ConsoleLogger()));
    jest.setSystemTime(new Date('2026-11-30T21:45:58.050Z'));
    const next = timestampOf(logger);
    expect(next).toBe(timestampOf(new ConsoleLogger()));
    jest.setSystemTime(new Date('2026-11-30T22:10:03.000Z'));
    expect(timestampOf(logger)).toBe(timestampOf(new ConsoleLogger()));
    expect(timestampOf(logger)).not.toBe(next);
  });
});
