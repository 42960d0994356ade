import { inspect } from 'node:util';

/**
 * A configuration mistake found at startup. The message names the option and the fix.
 *
 * It prints as that one line (`McpAuthConfigurationError: McpAuthModule: option ...`) wherever it is
 * shown through `util.inspect`: by Nest's default logger when bootstrap fails, by `console.error`, and by
 * Node for an uncaught error. Its stack would only lead through Nest's injector; it stays on `stack`.
 */
export class McpAuthConfigurationError extends Error {
  override readonly name = 'McpAuthConfigurationError';

  constructor(
    readonly option: string,
    problem: string,
  ) {
    super(`McpAuthModule: option "${option}" ${problem}`);
  }

  [inspect.custom](): string {
    return `${this.name}: ${this.message}`;
  }
}
