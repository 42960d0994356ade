import { jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TEST_BUILD_CACHE } from './support/fleet.js';

// One full build of a copy of the sources, then two incremental runs.
jest.setTimeout(240_000);

/** Runs `tsc` with these arguments in `cwd`; resolves with what it printed. */
function tsc(args: string[], cwd: string): Promise<string> {
  return new Promise((resolveOutput, reject) => {
    execFile(process.execPath, [resolve('node_modules/typescript/bin/tsc'), ...args], { cwd, timeout: 200_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${stdout}${stderr}`)) : resolveOutput(`${stdout}${stderr}`),
    );
  });
}

/**
 * `npm start` builds before it starts (its `prestart`), and skips a build that is up to date: `tsc -b`, whose
 * build info sits in each output directory. Run on a copy of the sources, so that the tests' own builds and the
 * packing of the library (which empties libs/mcp-auth/dist) are left alone.
 */
describe("npm start's build", () => {
  let dir: string;
  afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('builds the library and the example, then skips them while nothing changed, and rebuilds what changed', async () => {
    const prestart = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts.prestart;
    const [command, ...args] = prestart.split(' ');
    expect(command).toBe('tsc');
    expect(args.slice(0, 1)).toEqual(['-b']);

    mkdirSync(TEST_BUILD_CACHE, { recursive: true });
    dir = mkdtempSync(join(TEST_BUILD_CACHE, 'start-build-'));
    for (const path of [
      'src',
      'libs/mcp-auth/src',
      'libs/mcp-auth/package.json',
      'libs/mcp-auth/tsconfig.lib.json',
      'tsconfig.json',
      'tsconfig.build.json',
    ]) {
      cpSync(path, join(dir, path), { recursive: true });
    }
    // The example imports the library by name, as in the workspace (node_modules/nestjs-mcp-auth -> libs/mcp-auth).
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(join(dir, 'libs', 'mcp-auth'), join(dir, 'node_modules', 'nestjs-mcp-auth'), 'dir');

    const first = await tsc([...args, '--verbose'], dir);
    expect(first).toContain("Building project '");
    expect(readFileSync(join(dir, 'dist', 'main.js'), 'utf8')).toContain('bootstrap');

    const second = await tsc([...args, '--verbose'], dir);
    expect(second).toMatch(/Project 'libs\/mcp-auth\/tsconfig\.lib\.json' is up to date/);
    expect(second).toMatch(/Project 'tsconfig\.build\.json' is up to date/);
    expect(second).not.toContain('Building project');

    const later = new Date(Date.now() + 5_000);
    utimesSync(join(dir, 'src', 'main.ts'), later, later);
    const third = await tsc([...args, '--verbose'], dir);
    expect(third).toMatch(/Project 'libs\/mcp-auth\/tsconfig\.lib\.json' is up to date/);
    expect(third).toMatch(/Building project '.*tsconfig\.build\.json'/);
  });
});
