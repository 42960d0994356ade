/** A configuration mistake found at startup. The message names the option and the fix. */
export class McpAuthConfigurationError extends Error {
  override readonly name = 'McpAuthConfigurationError';

  constructor(
    readonly option: string,
    problem: string,
  ) {
    super(`McpAuthModule: option "${option}" ${problem}`);
  }
}
