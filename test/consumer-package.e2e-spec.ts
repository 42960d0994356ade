import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hashApiKey } from 'nestjs-mcp-auth';
import { freePort } from './support/free-port.js';

/**
 * The package as a user gets it: `npm pack` of the library, installed from the tarball (with its peer
 * dependencies, from the npm cache when it can) into a fresh application in a temporary directory,
 * compiled with strict settings and `skipLibCheck: false` as ESM and as CommonJS, and started against the
 * package's own testing identity provider. This is the test that catches a broken package before a user does.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
/** Bounds every step; a cold npm cache may need the registry. */
const STEP_TIMEOUT_MS = 180_000;

interface Outcome {
  code: number;
  output: string;
}

/** Runs a command to completion; a non-zero exit is an outcome to assert on, not an exception. */
function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env, timeout: STEP_TIMEOUT_MS, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}`.trim() });
    });
  });
}

/** npm, run outside this repository: without the `npm_config_*` variables of the `npm test` that started Jest (its prefix, its workspace). */
function npmEnv(): NodeJS.ProcessEnv {
  const keep = new Set([
    'npm_config_cache',
    'npm_config_userconfig',
    'npm_config_globalconfig',
    'npm_config_cafile',
    'npm_config_registry',
  ]);
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_') || keep.has(name.toLowerCase())),
  );
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => relative(dir, join(entry.parentPath, entry.name)));
}

const strictCompilerOptions = {
  target: 'ES2023',
  module: 'nodenext',
  moduleResolution: 'nodenext',
  strict: true,
  skipLibCheck: false,
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  types: ['node'],
};

/** The optional peers (peerDependenciesMeta), which an application that does not use their feature leaves out. */
function optionalPeersOf(library: { peerDependenciesMeta: Record<string, { optional?: boolean }> }): string[] {
  return Object.entries(library.peerDependenciesMeta)
    .filter(([, meta]) => meta.optional)
    .map(([name]) => name);
}

describe('the packed library in a fresh application', () => {
  let dir: string;
  let app: string;
  let install: Outcome;
  const compiled: Partial<Record<'strict' | 'node10', Outcome>> = {};
  /** The application with only the required peers: its directory, install, compilation and run. */
  let minimal: string;
  const withRequiredPeers: Partial<Record<'install' | 'compiled', Outcome>> = {};
  let optionalPeers: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nestjs-mcp-auth-consumer-'));
    app = join(dir, 'app');
    // prepack builds the library afresh, so the tarball holds exactly what the sources compile to.
    const pack = await run('npm', ['pack', '-w', 'libs/mcp-auth', '--pack-destination', dir], ROOT);
    const tarball = (await readdir(dir)).find((name) => name.endsWith('.tgz'));
    if (pack.code !== 0 || !tarball) throw new Error(`npm pack failed:\n${pack.output}`);

    const root = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
    const library = JSON.parse(await readFile(join(ROOT, 'libs', 'mcp-auth', 'package.json'), 'utf8'));
    // The peers the package declares, at the versions this repository tests with: a peer missing from the
    // package's list is missing here too.
    const peers = Object.fromEntries(
      Object.keys(library.peerDependencies).map((name) => [name, root.dependencies[name] ?? library.peerDependencies[name]]),
    );
    optionalPeers = optionalPeersOf(library);
    const dependencies = (names: string[]) => ({
      'nestjs-mcp-auth': `file:${join(dir, tarball)}`,
      ...Object.fromEntries(names.map((name) => [name, peers[name]])),
      '@nestjs/platform-express': root.dependencies['@nestjs/platform-express'],
    });
    const devDependencies = { '@types/node': root.devDependencies['@types/node'] };
    // Every peer, and, beside it, the README's install line: the required peers only.
    minimal = join(dir, 'required-peers');
    await Promise.all([mkdir(app), mkdir(join(minimal, 'src'), { recursive: true })]);
    await writeFile(
      join(app, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, dependencies: dependencies(Object.keys(peers)), devDependencies }),
    );
    await writeFile(
      join(minimal, 'package.json'),
      JSON.stringify({
        name: 'consumer-required-peers',
        private: true,
        type: 'module',
        dependencies: dependencies(Object.keys(peers).filter((name) => !optionalPeers.includes(name))),
        devDependencies,
      }),
    );
    const npmInstall = (cwd: string) =>
      run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], cwd, npmEnv());
    [install, withRequiredPeers.install] = await Promise.all([npmInstall(app), npmInstall(minimal)]);
    if (withRequiredPeers.install.code === 0) {
      await copyFile(join(ROOT, 'test', 'consumer-app', 'required-peers.ts'), join(minimal, 'src', 'main.ts'));
      await writeFile(join(minimal, 'tsconfig.json'), JSON.stringify({ compilerOptions: strictCompilerOptions, include: ['src'] }));
      withRequiredPeers.compiled = await run(process.execPath, [TSC, '-p', minimal], minimal);
    }
    if (install.code !== 0) return;

    // The same application as ESM and as CommonJS: one program whose two copies of main.ts each take the
    // module format of their directory's package.json (nodenext), so the dependency tree is type-checked
    // once; each is emitted beside its source, where Node reads it in that format. And a type check of
    // the imports under the `node10` resolution that older Nest templates use.
    for (const [name, type] of [
      ['esm', 'module'],
      ['cjs', 'commonjs'],
      ['node10', 'commonjs'],
    ]) {
      await mkdir(join(app, name, 'src'), { recursive: true });
      await writeFile(join(app, name, 'package.json'), JSON.stringify({ name: `consumer-${name}`, private: true, type }));
      await copyFile(join(ROOT, 'test', 'consumer-app', 'main.ts'), join(app, name, 'src', 'main.ts'));
    }
    await writeFile(
      join(app, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: strictCompilerOptions, include: ['esm/src', 'cjs/src'] }),
    );
    const node10 = {
      ...strictCompilerOptions,
      module: 'commonjs',
      moduleResolution: 'node10',
      ignoreDeprecations: '6.0',
      skipLibCheck: true,
      noEmit: true,
    };
    await writeFile(join(app, 'node10', 'tsconfig.json'), JSON.stringify({ compilerOptions: node10, include: ['src'] }));
    [compiled.strict, compiled.node10] = await Promise.all([
      run(process.execPath, [TSC, '-p', app], app),
      run(process.execPath, [TSC, '-p', join(app, 'node10')], app),
    ]);
  }, 4 * STEP_TIMEOUT_MS);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('installs from the tarball with the peer dependencies the package declares', () => {
    // On failure, the diff shows npm's output.
    expect(install).toEqual({ code: 0, output: expect.any(String) });
  });

  it('ships the compiled library, its README and LICENSE; no sources, source maps or tests', async () => {
    const files = await filesUnder(join(app, 'node_modules', 'nestjs-mcp-auth'));
    expect(files).toEqual(
      expect.arrayContaining([
        'LICENSE',
        'README.md',
        'package.json',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/testing/index.js',
        'dist/bin/hash-api-key.js',
      ]),
    );
    expect(
      files.filter(
        (file) => file.endsWith('.map') || /(?<!\.d)\.ts$/.test(file) || file.includes('.spec.') || file.endsWith('.tsbuildinfo'),
      ),
    ).toEqual([]);
    expect(files.filter((file) => !file.startsWith('dist/')).sort()).toEqual(['LICENSE', 'README.md', 'package.json']);
  });

  it('compiles with strict settings and skipLibCheck: false as ESM and as CommonJS', async () => {
    expect(compiled.strict).toEqual({ code: 0, output: '' });
    expect(await readFile(join(app, 'esm', 'src', 'main.js'), 'utf8')).toContain("from 'nestjs-mcp-auth'");
    // A CommonJS application require()s the ESM-only package: Node 22 loads ES modules through require().
    expect(await readFile(join(app, 'cjs', 'src', 'main.js'), 'utf8')).toContain('require("nestjs-mcp-auth")');
  });

  it("resolves 'nestjs-mcp-auth/testing' under moduleResolution node10 (typesVersions)", () => {
    expect(compiled.node10).toEqual({ code: 0, output: '' });
  });

  it('installs the nestjs-mcp-auth command (dev-idp)', async () => {
    const help = await run(join(app, 'node_modules', '.bin', 'nestjs-mcp-auth'), ['dev-idp', '--help'], app);
    expect(help.code).toBe(0);
    expect(help.output).toMatch(/^Usage: nestjs-mcp-auth dev-idp --resource <url>/);
    const mistake = await run(join(app, 'node_modules', '.bin', 'nestjs-mcp-auth'), ['dev-idp'], app);
    expect(mistake).toEqual({ code: 2, output: expect.stringMatching(/^nestjs-mcp-auth: --resource is required/) });
  });

  it('installs the mcp-auth-hash-key command, which hashes a key as the library does', async () => {
    const key = 'k'.repeat(40);
    const hashed = await run(join(app, 'node_modules', '.bin', 'mcp-auth-hash-key'), [key], app);
    expect(hashed).toEqual({ code: 0, output: hashApiKey(key) });
  });

  it.each(['esm', 'cjs'] as const)(
    '%s: serves a scoped tool to the SDK client, and refuses it without the scope',
    async (variant) => {
      const started = await run(process.execPath, ['src/main.js'], join(app, variant), { ...process.env, PORT: String(await freePort()) });
      expect(started.code).toBe(0);
      // One line and nothing else: no warning at startup (the app logs warnings), none from Node for require(esm).
      const lines = started.output.split('\n');
      expect(lines).toHaveLength(1);
      const seen = JSON.parse(lines[0]);
      expect(seen.listed).toEqual(['read_note']);
      expect(seen.read).toEqual([{ type: 'text', text: 'note 7 for reader' }]);
      expect(seen.refused).toContain('insufficient_scope');
      expect(seen.deleted).toEqual([{ type: 'text', text: 'deleted note 7' }]);
      // connectModernMcpClient: the v2 client on revision 2026-07-28.
      expect(seen.modern).toEqual({ revision: '2026-07-28', read: [{ type: 'text', text: 'note 8 for reader' }] });
    },
    STEP_TIMEOUT_MS,
  );

  describe('with only the required peer dependencies (no ioredis, prom-client, Fastify or MCP client SDK)', () => {
    it('installs none of the optional peers', async () => {
      expect(withRequiredPeers.install).toEqual({ code: 0, output: expect.any(String) });
      expect(optionalPeers).toEqual(
        expect.arrayContaining(['ioredis', 'prom-client', 'fastify', '@nestjs/platform-fastify', '@modelcontextprotocol/sdk']),
      );
      const present = optionalPeers.filter((name) => existsSync(join(minimal, 'node_modules', name)));
      expect(present).toEqual([]);
    });

    it('compiles with strict settings and skipLibCheck: false: the declarations need no optional peer', () => {
      expect(withRequiredPeers.compiled).toEqual({ code: 0, output: '' });
    });

    it(
      'serves a scoped tool without them',
      async () => {
        const started = await run(process.execPath, ['src/main.js'], minimal, { ...process.env, PORT: String(await freePort()) });
        expect(started.code).toBe(0);
        expect(JSON.parse(started.output)).toEqual({ anonymous: 401, content: [{ type: 'text', text: 'note 7 for reader' }] });
      },
      STEP_TIMEOUT_MS,
    );
  });
});
