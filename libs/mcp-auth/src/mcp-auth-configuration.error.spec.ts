import { ConsoleLogger } from '@nestjs/common';
import { inspect } from 'node:util';
import { McpAuthConfigurationError } from './mcp-auth-configuration.error.js';

describe('McpAuthConfigurationError', () => {
  const error = new McpAuthConfigurationError('resourceUrl', 'is not a valid URL: "not a url"');

  it('prints as one line through util.inspect, keeping its stack and option for code', () => {
    expect(inspect(error)).toBe('McpAuthConfigurationError: McpAuthModule: option "resourceUrl" is not a valid URL: "not a url"');
    expect(error).toBeInstanceOf(Error);
    expect(error.option).toBe('resourceUrl');
    expect(error.stack).toContain('McpAuthConfigurationError');
  });

  it("prints as one line through Nest's default logger, as Nest's ExceptionHandler logs a failed bootstrap", () => {
    const written: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string) => written.push(String(chunk)) > 0) as typeof process.stderr.write;
    try {
      new ConsoleLogger('ExceptionHandler', { colors: false, timestamp: false }).error(error);
    } finally {
      process.stderr.write = write;
    }
    const output = written.join('');
    expect(output.trimEnd().split('\n')).toHaveLength(1);
    expect(output).toContain('ERROR [ExceptionHandler] McpAuthConfigurationError: McpAuthModule: option "resourceUrl" is not a valid URL');
  });
});
