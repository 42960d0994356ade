/**
 * The README's code compiles as written (README.md, and the package's own libs/mcp-auth/README.md).
 *
 * Convention for everyone who edits README.md: a code block is compiled when a marker naming the file it is, in a
 * sample project, comes just before its opening fence (blank lines between them are allowed: Prettier adds one):
 *
 *   <!-- compile: sample-app/src/app.module.ts -->
 *   ```ts
 *
 * - The first path segment names the project (`sample-app`); the rest is the file's path in it. Blocks of one
 *   project are files of one application and may import each other (`./app.module.js`).
 * - Each project needs a `tsconfig.json` block (`<!-- compile: <project>/tsconfig.json -->` before a ```json
 *   block): the settings the README tells users to use, so they are compiled too.
 * - A block without the marker is not compiled: fragments (`McpAuthModule.forRoot({ issuer, … })`), pseudo-code,
 *   shell lines. Opting in is explicit, so a section added later compiles only once its author marks it.
 *
 * Each project is compiled twice, as an ES module application (`"type": "module"`, what `nest new` makes) and as
 * a CommonJS one (no `"type"`, what `npm init` makes), with TypeScript, against this clone's build of the library
 * (the example build's `dist/node_modules/nestjs-mcp-auth`, declarations included) and this clone's packages.
 */
import { jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { buildExample } from './support/fleet.js';

// The first run builds the library (later runs reuse the build); two compilations per project.
jest.setTimeout(300_000);

const MARKER = /^<!-- compile: ([A-Za-z0-9._-]+)\/([A-Za-z0-9._/-]+) -->$/;

/** A marked block: the project it belongs to, its path there, and its text. */
interface CompiledBlock {
  readonly project: string;
  readonly path: string;
  readonly text: string;
  /** The README line of the marker, for messages. */
  readonly line: number;
}

/**
 * The marked blocks of a Markdown text; a marker not followed by a ts or json block is an error naming its line.
 * Markers inside a fenced block are text (a README showing the convention), not markers.
 */
export function compiledBlocks(markdown: string, file = 'README'): CompiledBlock[] {
  const lines = markdown.split('\n');
  const blocks: CompiledBlock[] = [];
  let fence: string | undefined; // the backticks that opened the fenced block we are in
  lines.forEach((line, index) => {
    const ticks = /^(`{3,})/.exec(line.trim())?.[1];
    if (fence) {
      if (ticks && ticks.length >= fence.length && line.trim() === ticks) fence = undefined;
      return;
    }
    if (ticks) {
      fence = ticks;
      return;
    }
    const marker = MARKER.exec(line.trim());
    if (!marker) {
      if (line.includes('<!-- compile:')) throw new Error(`${file} line ${index + 1}: malformed marker "${line.trim()}"`);
      return;
    }
    // The block's opening fence, after blank lines only (Prettier puts one between the marker and the fence).
    let start = index + 1;
    while (start < lines.length && lines[start].trim() === '') start++;
    if (!/^```(ts|json)$/.test(lines[start] ?? '')) {
      throw new Error(`${file} line ${index + 1}: "${line.trim()}" must be followed by a \`\`\`ts or \`\`\`json block`);
    }
    const end = lines.findIndex((candidate, at) => at > start && candidate === '```');
    if (end < 0) throw new Error(`${file} line ${index + 1}: the block after "${line.trim()}" never closes`);
    blocks.push({ project: marker[1], path: marker[2], text: `${lines.slice(start + 1, end).join('\n')}\n`, line: index + 1 });
  });
  return blocks;
}

function tsc(project: string): Promise<{ code: number; output: string }> {
  return new Promise((resolveOutcome) => {
    execFile(
      process.execPath,
      [resolve('node_modules/typescript/bin/tsc'), '-p', project, '--noEmit'],
      { timeout: 240_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => resolveOutcome({ code: error ? 1 : 0, output: `${stdout}${stderr}`.trim() }),
    );
  });
}

/** The READMEs whose marked blocks are compiled: the repository's, and the package's own (shipped in the tarball). */
const READMES = ['README.md', 'libs/mcp-auth/README.md'];

describe('README code blocks', () => {
  const blocks = READMES.flatMap((file) => compiledBlocks(readFileSync(file, 'utf8'), file));
  const projects = [...new Set(blocks.map((block) => block.project))];
  const made: string[] = [];
  afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('mark the application of "Use it in your own application" and "Testing your own tools" for compilation', () => {
    const sample = blocks.filter((block) => block.project === 'sample-app').map((block) => block.path);
    expect(sample).toEqual(
      expect.arrayContaining([
        'tsconfig.json',
        'src/products.service.ts',
        'src/product.tools.ts',
        'src/app.module.ts',
        'src/main.ts',
        'src/main.fastify.ts',
        'src/product.tools.e2e-spec.ts',
      ]),
    );
    expect(new Set(sample).size).toBe(sample.length);
  });

  it("mark the package README's example for compilation", () => {
    expect(blocks.filter((block) => block.project === 'package-example').map((block) => block.path)).toEqual([
      'tsconfig.json',
      'src/main.ts',
    ]);
  });

  it('have a tsconfig.json in every project', () => {
    for (const project of projects) {
      expect(blocks.filter((block) => block.project === project).map((block) => block.path)).toContain('tsconfig.json');
    }
  });

  it.each(projects.flatMap((project) => [[project, 'an ES module application'] as const, [project, 'a CommonJS application'] as const]))(
    '%s compiles as written, as %s',
    async (project, format) => {
      // Beside the library build's node_modules, so that `nestjs-mcp-auth` resolves to it and every other package
      // to this clone's node_modules.
      const dir = mkdtempSync(join(dirname(buildExample()), `readme-${project}-`));
      made.push(dir);
      writeFileSync(
        join(dir, 'package.json'),
        JSON.stringify({ name: `readme-${project}`, private: true, ...(format === 'an ES module application' ? { type: 'module' } : {}) }),
      );
      for (const block of blocks.filter((candidate) => candidate.project === project)) {
        mkdirSync(dirname(join(dir, block.path)), { recursive: true });
        writeFileSync(join(dir, block.path), block.text);
      }
      expect(await tsc(dir)).toEqual({ code: 0, output: '' });
    },
  );
});

describe('README code blocks: the marker convention', () => {
  it('ignores a marker shown inside a fenced block (the convention, documented)', () => {
    const markdown = ['````markdown', '<!-- compile: demo/src/a.ts -->', '', '```ts', 'shown only', '```', '````'].join('\n');
    expect(compiledBlocks(markdown)).toEqual([]);
  });

  it('reads a marked block as a file of its project, and leaves unmarked blocks alone', () => {
    const markdown = ['```ts', 'not compiled', '```', '<!-- compile: demo/src/a.ts -->', '```ts', 'export const a = 1;', '```'].join('\n');
    expect(compiledBlocks(markdown)).toEqual([{ project: 'demo', path: 'src/a.ts', text: 'export const a = 1;\n', line: 4 }]);
  });

  it('refuses a marker that is not followed by a code block, naming the line', () => {
    expect(compiledBlocks('<!-- compile: demo/b.json -->\n\n```json\n{}\n```')).toEqual([
      { project: 'demo', path: 'b.json', text: '{}\n', line: 1 },
    ]);
    expect(() => compiledBlocks('text\n<!-- compile: demo/src/a.ts -->\nprose\n```ts\n```')).toThrow(
      'README line 2: "<!-- compile: demo/src/a.ts -->" must be followed by a ```ts or ```json block',
    );
    expect(() => compiledBlocks('<!-- compile: a.ts -->')).toThrow('README line 1: malformed marker');
  });
});
