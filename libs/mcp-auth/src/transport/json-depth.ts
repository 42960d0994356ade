/**
 * The deepest nesting of objects and arrays a request body may have (the message itself is
 * level 1). Everything that reads a message after the endpoint (the SDK's schema validation,
 * `JSON.stringify`, a tool's own code) recurses over it, and 100,000 levels overflow the stack;
 * a real MCP message nests a dozen levels at most, its envelope four of them.
 */
export const MAX_JSON_DEPTH = 128;

/**
 * Whether `value` nests objects and arrays more than `maxDepth` levels deep. Walked with a
 * stack of its own, not by recursion, so that no input can overflow it; it stops at the first
 * container beyond the bound, and visits each container once otherwise.
 *
 * @example nestsDeeperThan(JSON.parse('[[[]]]'), 2) // true
 */
export function nestsDeeperThan(value: unknown, maxDepth: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  // Two parallel arrays rather than [container, depth] pairs: no allocation per container.
  const containers: object[] = [value];
  const depths: number[] = [1];
  while (containers.length > 0) {
    const container = containers.pop()!;
    const depth = depths.pop()!;
    if (depth > maxDepth) return true;
    if (Array.isArray(container)) {
      for (const child of container) {
        if (typeof child === 'object' && child !== null) {
          containers.push(child);
          depths.push(depth + 1);
        }
      }
      continue;
    }
    for (const key in container) {
      const child = (container as Record<string, unknown>)[key];
      if (typeof child === 'object' && child !== null) {
        containers.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}
