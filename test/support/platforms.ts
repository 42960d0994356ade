/** The Nest HTTP platforms the library supports, as MCP_EXAMPLE_PLATFORM names them. */
export const PLATFORMS = ['express', 'fastify'] as const;

export type Platform = (typeof PLATFORMS)[number];

/**
 * The platforms a suite runs on: both, or the one MCP_TEST_PLATFORM names (to rerun
 * one side while debugging it).
 */
export function testedPlatforms(): Platform[] {
  const only = process.env.MCP_TEST_PLATFORM;
  if (only === undefined || only === '') return [...PLATFORMS];
  if (!(PLATFORMS as readonly string[]).includes(only)) throw new Error(`MCP_TEST_PLATFORM must be one of ${PLATFORMS.join(', ')}`);
  return [only as Platform];
}

/**
 * Declares a suite once per platform, with the environment variable that boots the
 * example on it: the end-to-end suites that define the endpoint's HTTP behaviour run
 * unchanged on Express and on Fastify.
 *
 * @example
 * ```ts
 * describeOnPlatforms('sessions', (platform, onPlatform) => {
 *   beforeAll(async () => (h = await startHarness({ ...onPlatform, MCP_STATELESS: 'true' })));
 * });
 * ```
 */
export function describeOnPlatforms(
  name: string,
  suite: (platform: Platform, onPlatform: { readonly MCP_EXAMPLE_PLATFORM: Platform }) => void,
): void {
  describe.each(testedPlatforms())(`%s: ${name}`, (platform) => suite(platform, { MCP_EXAMPLE_PLATFORM: platform }));
}
