import { jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { TEST_BUILD_CACHE, buildExample, exampleBuildDirectory } from './support/fleet.js';

// The first run compiles the library and the example (later runs reuse the build).
jest.setTimeout(240_000);

/**
 * The build the fleet and restart tests run is this clone's own: an earlier clone of the project, tested on the
 * same machine and then deleted, must not leave a build behind that a new clone would use (it did: every fleet
 * test failed with "Cannot find package 'reflect-metadata'", the build linking to the deleted clone's packages).
 */
describe("The tests' build of the example", () => {
  it('lives inside this clone (node_modules/.cache), keyed by the sources', () => {
    const inClone = (path: string) => !relative(resolve('node_modules'), path).startsWith('..');
    expect(inClone(TEST_BUILD_CACHE)).toBe(true);
    expect(exampleBuildDirectory('a'.repeat(64))).not.toBe(exampleBuildDirectory('b'.repeat(64)));
    expect(inClone(exampleBuildDirectory('a'.repeat(64)))).toBe(true);
    expect(inClone(buildExample())).toBe(true);
  });

  it("resolves every package from this clone's node_modules, and the library from its own build", () => {
    const main = buildExample();
    // Resolved by Node itself, from the build's entry point (Jest maps nestjs-mcp-auth to the sources).
    const names = ['reflect-metadata', '@nestjs/core', 'oidc-provider', 'node-sqlite3-wasm', 'nestjs-mcp-auth'];
    const resolved = JSON.parse(
      execFileSync(
        process.execPath,
        [
          '-e',
          'const r = require("node:module").createRequire(process.argv[1]); console.log(JSON.stringify(process.argv.slice(2).map((n) => require("node:fs").realpathSync(r.resolve(n)))))',
          main,
          ...names,
        ],
        { encoding: 'utf8' },
      ),
    ) as string[];
    const library = resolved.pop()!;
    const clonePackages = realpathSync('node_modules');
    for (const path of resolved) expect(path.startsWith(`${clonePackages}/`) && !path.includes('/.cache/')).toBe(true);
    expect(library.startsWith(`${realpathSync(dirname(main))}/node_modules/nestjs-mcp-auth/`)).toBe(true);
  });
});
