import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEV_RESOURCE_SERVER } from '../../src/dev-identity-provider/demo-clients.js';
import { startTestIdentity } from './harness.js';
import type { HarnessIdpOptions, TestIdentity } from './harness.js';
import { freePort } from './free-port.js';

/** The Debian packages the fleet runs on; `npm test` installs them (scripts/install-test-system-packages.sh). */
const REDIS_SERVER = '/usr/bin/redis-server';
const HAPROXY = '/usr/sbin/haproxy';
/** The balancer's configuration, as documented. */
const DOCUMENTED_HAPROXY_CONFIG = 'docs/haproxy.cfg';
/** The readiness path the balancer checks (docs/haproxy.cfg). */
const READINESS_PATH = '/readyz';
/** What the balancer checks where a replica serves no readiness path: its metadata, served once it started. */
const FALLBACK_HEALTH_PATH = '/.well-known/oauth-protected-resource/mcp';
const START_TIMEOUT_MS = 30_000;

/** One replica of the example: a real child process on its own loopback port. */
export interface Replica {
  readonly name: string;
  readonly port: number;
  /** This replica's own address, bypassing the balancer (to scrape it, or to aim at it). */
  readonly baseUrl: string;
  readonly resourceUrl: string;
  /** Everything it printed, for a failing test's message. */
  readonly output: () => string;
  /** SIGKILL: gone at once, in-flight requests lost. */
  kill(): Promise<void>;
  /** SIGTERM: a rolling restart's graceful stop. */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
}

/** Redis as a child process, without persistence. */
export interface FleetRedis {
  readonly url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** Redis, the identity provider, replicas of the example and HAProxy in front, all on loopback. */
export interface Fleet extends TestIdentity {
  /** The balancer's address: what clients use. */
  readonly baseUrl: string;
  /** The MCP endpoint behind the balancer (every replica's `MCP_RESOURCE_URL`). */
  readonly resourceUrl: string;
  readonly replicas: readonly Replica[];
  readonly redis: FleetRedis;
  /** Sends a command to HAProxy's runtime API (the `stats socket` of docs/haproxy.cfg); resolves with its answer. */
  balancer(command: string): Promise<string>;
  /** A token from the identity provider (client-credentials grant). */
  token(clientId: 'demo-reader' | 'demo-writer' | 'demo-admin', scope?: string): Promise<string>;
  close(): Promise<void>;
}

export interface FleetOptions {
  /** The example's compiled entry point ({@link buildExample}). */
  readonly main: string;
  /** 2 or 3. Default 3. */
  readonly replicas?: number;
  /** Variables every replica gets besides the fleet's own. */
  readonly env?: Record<string, string>;
  readonly idp?: HarnessIdpOptions;
}

/**
 * Why the fleet cannot run here (a missing package or build), or undefined. The message
 * names the Debian packages to install.
 */
export function fleetUnavailable(): string | undefined {
  const missing = [...(existsSync(REDIS_SERVER) ? [] : ['redis-server']), ...(existsSync(HAPROXY) ? [] : ['haproxy'])];
  if (missing.length > 0) {
    return `the multi-process tests need ${missing.join(' and ')}: apt-get install ${missing.join(' ')} (or run npm test as root on Debian: scripts/install-test-system-packages.sh installs them)`;
  }
  return undefined;
}

/**
 * Where the tests keep what they build, inside this clone: `node_modules/.cache/` (git-ignored, and gone with the
 * clone or a fresh `npm ci`). A build kept in the system's temporary directory would outlive its clone, and another
 * clone of the same sources would reuse it with links into the deleted clone's `node_modules`.
 */
export const TEST_BUILD_CACHE = resolve('node_modules', '.cache', 'nestjs-mcp-auth-tests');

/** The directory of the example's build for sources with this digest: inside this clone ({@link TEST_BUILD_CACHE}). */
export function exampleBuildDirectory(sourcesDigest: string): string {
  return join(TEST_BUILD_CACHE, `example-${sourcesDigest.slice(0, 16)}`);
}

/**
 * The example and the library compiled with `tsc` (their build configurations) into a directory
 * of the fleet's own, outside `dist/` and `libs/mcp-auth/dist/`, which other tests rebuild (the
 * consumer-package test packs the library, removing its `dist/` first) while replicas start.
 * The example resolves `nestjs-mcp-auth` to the private copy beside it, and every other package
 * to this clone's `node_modules` (the build is inside it: {@link exampleBuildDirectory}). Reused while the
 * sources are unchanged (keyed by their SHA-256). Returns the path of the example's `main.js`.
 */
export function buildExample(): string {
  const sources = [...sourceFiles('src'), ...sourceFiles('libs/mcp-auth/src'), 'libs/mcp-auth/package.json', 'tsconfig.json'];
  const digest = createHash('sha256');
  for (const file of sources) digest.update(file).update(readFileSync(file));
  const root = exampleBuildDirectory(digest.digest('hex'));
  const main = join(root, 'dist', 'main.js');
  if (existsSync(join(root, 'complete'))) return main;
  rmSync(root, { recursive: true, force: true });
  const library = join(root, 'dist', 'node_modules', 'nestjs-mcp-auth');
  mkdirSync(library, { recursive: true });
  writeFileSync(join(root, 'package.json'), JSON.stringify({ type: 'module' }));
  copyFileSync('libs/mcp-auth/package.json', join(library, 'package.json'));
  const tsc = (project: string, ...args: string[]) =>
    execFileSync(process.execPath, [resolve('node_modules/typescript/bin/tsc'), '-p', project, ...args], {
      stdio: 'pipe',
      timeout: 240_000,
    });
  tsc('libs/mcp-auth/tsconfig.lib.json', '--outDir', join(library, 'dist'));
  const exampleConfig = join(root, 'tsconfig.example.json');
  writeFileSync(
    exampleConfig,
    JSON.stringify({
      extends: resolve('tsconfig.build.json'),
      compilerOptions: {
        rootDir: resolve('src'),
        outDir: join(root, 'dist'),
        paths: {
          'nestjs-mcp-auth': [join(library, 'dist', 'index.d.ts')],
          'nestjs-mcp-auth/testing': [join(library, 'dist', 'testing', 'index.d.ts')],
        },
      },
      include: [resolve('src')],
      exclude: [resolve('src/**/*.spec.ts')],
    }),
  );
  tsc(exampleConfig);
  writeFileSync(join(root, 'complete'), '');
  return main;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts'))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

/**
 * Starts Redis (no persistence), the development identity provider (opaque tokens, in this
 * process), `replicas` examples as child processes of Node 22 from `main` ({@link buildExample}), and
 * HAProxy in front as docs/haproxy.cfg configures it (round-robin, readiness checks). Every
 * process is stopped by {@link Fleet.close}, and by this function when starting fails.
 */
export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const unavailable = fleetUnavailable();
  if (unavailable) throw new Error(unavailable);
  const dir = mkdtempSync(join(tmpdir(), 'mcp-fleet-'));
  const cleanups: Array<() => Promise<void>> = [async () => rmSync(dir, { recursive: true, force: true })];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const redis = await startRedis();
    cleanups.push(() => redis.stop());
    const balancerPort = await freePort();
    const baseUrl = `http://127.0.0.1:${balancerPort}`;
    const resourceUrl = `${baseUrl}/mcp`;
    const identity = await startTestIdentity(resourceUrl, {
      accessTokenFormat: 'opaque',
      resourceServers: [DEV_RESOURCE_SERVER],
      ...options.idp,
    });
    cleanups.push(() => identity.idp.close());
    const env = {
      HOST: '127.0.0.1',
      MCP_AUTH_ISSUER: identity.idp.issuer,
      MCP_AUTH_MODE: 'introspection',
      MCP_AUTH_INTROSPECTION_CLIENT_ID: DEV_RESOURCE_SERVER.clientId,
      MCP_AUTH_INTROSPECTION_CLIENT_SECRET: DEV_RESOURCE_SERVER.clientSecret,
      MCP_RESOURCE_URL: resourceUrl,
      MCP_REDIS_URL: redis.url,
      LOG_LEVEL: 'warn',
      ...options.env,
    };
    const count = options.replicas ?? 3;
    const replicas: ReplicaProcess[] = [];
    for (let index = 0; index < count; index++)
      replicas.push(new ReplicaProcess(`replica-${index + 1}`, await freePort(), env, resourceUrl, options.main));
    cleanups.push(async () => void (await Promise.all(replicas.map((replica) => replica.kill()))));
    await Promise.all(replicas.map((replica) => replica.start()));
    const socket = join(dir, 'haproxy.sock');
    const haproxy = await startHaproxy(dir, balancerPort, replicas, socket);
    cleanups.push(haproxy);
    return {
      ...identity,
      baseUrl,
      resourceUrl,
      replicas,
      redis,
      balancer: (command) => runtimeApi(socket, command),
      token: (clientId, scope) => identity.idp.token(clientId, scope),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The compiled example as a child process on Node 22: a replica of the fleet, or the one server a test restarts. */
export class ReplicaProcess implements Replica {
  readonly baseUrl: string;
  readonly resourceUrl: string;
  private child?: ChildProcess;
  private log = '';

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly env: Record<string, string>,
    balancedResourceUrl: string,
    private readonly main: string,
  ) {
    this.baseUrl = `http://127.0.0.1:${port}`;
    this.resourceUrl = balancedResourceUrl;
  }

  output = (): string => this.log;

  async start(): Promise<void> {
    // process.execPath: the Node 22 that runs the tests (scripts/node22.mjs).
    const child = spawn(process.execPath, [this.main], {
      env: { PATH: process.env.PATH, ...this.env, PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const record = (chunk: Buffer) => {
      this.log = (this.log + chunk.toString('utf8')).slice(-20_000);
    };
    child.stdout!.on('data', record);
    child.stderr!.on('data', record);
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`${this.name} exited with ${child.exitCode}: ${this.log}`);
      const ready = await fetch(this.baseUrl + FALLBACK_HEALTH_PATH).then(
        (response) => response.ok,
        () => false,
      );
      if (ready) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${this.name} did not become ready within ${START_TIMEOUT_MS} ms: ${this.log}`);
  }

  kill(): Promise<void> {
    return this.signal('SIGKILL');
  }

  stop(): Promise<void> {
    return this.signal('SIGTERM');
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }
}

/** `redis-server` on a free loopback port (or `port`), without persistence; `stop()` kills it, `start()` starts it again there. */
export async function startRedis(port?: number): Promise<FleetRedis> {
  port ??= await freePort();
  let child: ChildProcess | undefined;
  const redis: FleetRedis = {
    url: `redis://127.0.0.1:${port}`,
    async start() {
      child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
        stdio: 'ignore',
      });
      await waitForPort(port, 'redis-server');
    },
    async stop() {
      const running = child;
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
      running.kill('SIGKILL');
      await exited;
    },
  };
  await redis.start();
  return redis;
}

/** HAProxy in front of the replicas, configured by docs/haproxy.cfg itself. */
async function startHaproxy(dir: string, port: number, replicas: readonly Replica[], socket: string): Promise<() => Promise<void>> {
  const config = join(dir, 'haproxy.cfg');
  writeFileSync(config, haproxyConfig(port, replicas, socket, await healthPathOf(replicas[0])));
  const child = spawn(HAPROXY, ['-db', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => (log = (log + chunk.toString('utf8')).slice(-10_000)));
  try {
    await Promise.race([
      waitForPort(port, 'haproxy'),
      new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`haproxy exited with ${code}`)))),
    ]);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}: ${log}`, { cause: error });
  }
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  };
}

/** `/readyz` where the example serves it; else the protected resource metadata, which every replica serves once started. */
async function healthPathOf(replica: Replica): Promise<string> {
  const ready = await fetch(`${replica.baseUrl}${READINESS_PATH}`).then(
    (response) => response.status === 200,
    () => false,
  );
  return ready ? READINESS_PATH : FALLBACK_HEALTH_PATH;
}

/**
 * docs/haproxy.cfg with this fleet's addresses: its `bind`, `stats socket` and `server` lines replaced, and
 * its readiness path where the example does not serve one. Everything else (timeouts,
 * retries, health checks, session stickiness) is the documented file's.
 */
export function haproxyConfig(
  port: number,
  replicas: readonly Pick<Replica, 'name' | 'port'>[],
  socket: string,
  healthPath = READINESS_PATH,
): string {
  const documented = readFileSync(DOCUMENTED_HAPROXY_CONFIG, 'utf8');
  const servers = replicas.map((replica) => `  server ${replica.name} 127.0.0.1:${replica.port}`).join('\n');
  const config = documented
    .replace(/^ {2}bind .*$/m, `  bind 127.0.0.1:${port}`)
    .replace(/^ {2}stats socket \S+/m, `  stats socket ${socket}`)
    .replace(/^ {2}option httpchk GET .*$/m, `  option httpchk GET ${healthPath}`)
    .replace(/(^ {2}server .*\n?)+/m, `${servers}\n`);
  if (!config.includes(`bind 127.0.0.1:${port}`) || !config.includes(servers))
    throw new Error(`${DOCUMENTED_HAPROXY_CONFIG} changed shape`);
  return config;
}

/** One command on HAProxy's runtime API. */
function runtimeApi(socket: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = '';
    const connection = connect(socket);
    connection.setTimeout(5_000, () => connection.destroy(new Error(`no answer to "${command}" within 5 s`)));
    connection.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
    connection.once('end', () => resolve(answer.trim()));
    connection.once('error', reject);
    connection.end(`${command}\n`);
  });
}

async function waitForPort(port: number, name: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${name} did not listen on ${port} within ${START_TIMEOUT_MS} ms`);
}
