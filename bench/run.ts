/**
 * `npm run bench`: throughput of (a) the SDK's documented stateless server without auth,
 * (b) the example server stateless with an RS256 token, (c) the example with sessions,
 * in alternating rounds; then token verification cost, tools-count scaling, memory per
 * idle session and JWKS fetches. Loopback only; every phase is bounded in time.
 *
 * Environment: BENCH_ROUNDS (default 3), BENCH_SECONDS per measurement (default 8),
 * BENCH_CONNECTIONS (default 10), BENCH_SESSIONS (default "1000,10000").
 */
import { randomUUID } from 'node:crypto';
import { startJwksServer, newSigningKey, signToken } from '../test/support/jwks-server.js';
import type { JwksServer, TestSigningKey } from '../test/support/jwks-server.js';
import type { LoadResult } from './support/load.js';
import { mcpHeaders, post, runLoad, toolCall } from './support/load.js';
import type { BenchServer } from './support/processes.js';
import { canPin, freePort, pinRunner, runMeasurement, startServer } from './support/processes.js';
import { UNCACHED_LABEL } from './support/verification-labels.js';
import { median } from './support/median.js';

const ROUNDS = positiveInteger('BENCH_ROUNDS', 3);
const SECONDS = positiveInteger('BENCH_SECONDS', 8);
const CONNECTIONS = positiveInteger('BENCH_CONNECTIONS', 10);
const SESSION_COUNTS = (process.env.BENCH_SESSIONS ?? '1000,10000')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const ISSUER = 'https://idp.bench.invalid/realms/bench';
/** Every JWKS endpoint a server under test was given, to count fetches over the whole run. */
const jwksEndpoints: JwksServer[] = [];
/** The figures the targets are read from, filled in as the phases run. */
const figures: Partial<
  Record<'stateless' | 'statelessP99' | 'sessions' | 'tools500' | 'sessionKb' | 'uncachedMicros' | 'fetchesPerKey', number>
> = {};

/** One server under test: how to load it, and how to tell a right answer. */
interface Target {
  readonly label: string;
  readonly server: BenchServer;
  readonly jwks?: JwksServer;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly perConnectionHeaders?: (index: number) => Record<string, string>;
  readonly check: (body: string) => boolean;
}

async function main(): Promise<void> {
  pinRunner();
  const started = Date.now();
  const key = newSigningKey('RSA');
  console.log(
    `nestjs-mcp-auth benchmark: node ${process.version}, ${ROUNDS} rounds x ${SECONDS} s, ${CONNECTIONS} connections, ` +
      `servers ${canPin ? 'pinned to core 1 (taskset), load on core 0' : 'NOT pinned (no taskset)'}`,
  );

  const targets = [await baselineTarget(), await exampleTarget(key, 'stateless'), await exampleTarget(key, 'sessions')];
  try {
    for (const target of targets) await warmUp(target);
    const rounds: LoadResult[][] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const results: LoadResult[] = [];
      for (const target of targets) results.push(await load(target, SECONDS));
      rounds.push(results);
      printRound(round, targets, results);
    }
    const summary = printSummary(targets, rounds);
    figures.stateless = summary[1].ratio;
    figures.statelessP99 = summary[1].p99;
    figures.sessions = summary[2].ratio;
    for (const target of targets.slice(1)) {
      console.log(`JWKS fetches by ${target.label}: ${target.jwks!.requests} (one signing key)`);
    }
  } finally {
    for (const target of targets) {
      await target.server.stop();
      await target.jwks?.close();
    }
  }

  await toolScaling(key);
  await sessionMemory(key);
  const verification = await runMeasurement('verification');
  console.log('\nToken verification (own process on the server core, 3,000 distinct tokens after 3,000 to warm up; median):');
  for (const [label, micros] of Object.entries(verification)) console.log(`  ${label.padEnd(66)} ${micros.toFixed(1).padStart(7)} µs`);
  figures.uncachedMicros = verification[UNCACHED_LABEL];
  const fetches = jwksEndpoints.reduce((sum, jwks) => sum + jwks.requests, 0);
  figures.fetchesPerKey = fetches / jwksEndpoints.length;
  console.log(
    `\nJWKS fetches during the run: ${fetches} by ${jwksEndpoints.length} authenticated servers, one signing key each ` +
      `(${figures.fetchesPerKey.toFixed(2)} per key per server)`,
  );
  printTargets();
  console.log(`Total time: ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

async function baselineTarget(): Promise<Target> {
  const server = await startServer('sdk-baseline', {});
  const message = `hello-${randomUUID()}`;
  return {
    label: '(a) SDK stateless, no auth',
    server,
    headers: mcpHeaders(),
    body: toolCall('echo', { message }),
    check: (body) => body.includes(`"text":"${message}"`) && !body.includes('"isError":true'),
  };
}

async function exampleTarget(key: TestSigningKey, mode: 'stateless' | 'sessions'): Promise<Target> {
  const { server, jwks, resourceUrl } = await startWithJwks('example-server', key, { MCP_STATELESS: String(mode === 'stateless') });
  const subject = `bench-${mode}`;
  const token = await benchToken(key, resourceUrl, subject);
  const headers = mcpHeaders(token);
  const sessions = mode === 'sessions' ? await openSessions(server.url, [token], CONNECTIONS) : [];
  return {
    label: mode === 'stateless' ? '(b) example stateless, RS256 token' : '(c) example sessions, RS256 token',
    server,
    jwks,
    headers,
    body: toolCall('whoami', {}),
    perConnectionHeaders: mode === 'sessions' ? (index) => ({ 'mcp-session-id': sessions[index % sessions.length] }) : undefined,
    check: (body) => body.includes(`\\"sub\\":\\"${subject}\\"`) && !body.includes('"isError":true'),
  };
}

/** Starts a server that trusts a fresh loopback JWKS server (so its fetches can be counted). */
async function startWithJwks(name: string, key: TestSigningKey, env: Record<string, string>) {
  const jwks = await startJwksServer([key]);
  jwksEndpoints.push(jwks);
  const port = await freePort();
  const resourceUrl = `http://127.0.0.1:${port}/mcp`;
  const server = await startServer(name, {
    PORT: String(port),
    HOST: '127.0.0.1',
    MCP_RESOURCE_URL: resourceUrl,
    MCP_AUTH_ISSUER: ISSUER,
    MCP_AUTH_JWKS_URI: jwks.url,
    ...env,
  });
  return { server, jwks, resourceUrl };
}

function benchToken(key: TestSigningKey, audience: string, sub: string, scope = 'User.Read'): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return signToken(key, { iss: ISSUER, aud: audience, sub, client_id: 'bench-client', scope, iat: now, exp: now + 3600 });
}

/** Opens `count` sessions (initialize + initialized), spreading them over `tokens`, `parallel` at a time. */
async function openSessions(url: string, tokens: string[], count: number, parallel = 8): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  const initialize = JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1.0.0' } },
  });
  const initialized = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' });
  const worker = async () => {
    while (next < count) {
      const headers = mcpHeaders(tokens[next++ % tokens.length]);
      const opened = await post(url, headers, initialize);
      const id = opened.headers.get('mcp-session-id');
      if (opened.status !== 200 || !id) throw new Error(`initialize answered ${opened.status}: ${opened.text.slice(0, 200)}`);
      const ack = await post(url, { ...headers, 'mcp-session-id': id }, initialized);
      if (ack.status !== 202) throw new Error(`notifications/initialized answered ${ack.status}`);
      ids.push(id);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return ids;
}

async function warmUp(target: Target): Promise<void> {
  const result = await load(target, 2);
  if (result.failures > 0 || result.ok === 0) {
    throw new Error(`${target.label}: warm-up had ${result.failures} wrong answers of ${result.ok + result.failures}`);
  }
}

function load(target: Target, seconds: number): Promise<LoadResult> {
  return runLoad({
    url: target.server.url,
    durationSeconds: seconds,
    connections: CONNECTIONS,
    headers: target.headers,
    body: target.body,
    perConnectionHeaders: target.perConnectionHeaders,
    check: target.check,
  });
}

function printRound(round: number, targets: Target[], results: LoadResult[]): void {
  const baseline = results[0];
  console.log(`\nRound ${round}`);
  console.log(
    `  ${'server'.padEnd(38)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'vs (a)'.padStart(7)} ${'failures'.padStart(9)}`,
  );
  targets.forEach((target, i) => {
    const r = results[i];
    console.log(
      `  ${target.label.padEnd(38)} ${r.requestsPerSecond.toFixed(0).padStart(8)} ${r.p50.toFixed(1).padStart(7)} ${r.p99.toFixed(1).padStart(7)} ` +
        `${(r.requestsPerSecond / baseline.requestsPerSecond).toFixed(2).padStart(7)} ${String(r.failures).padStart(9)}`,
    );
  });
}

function printSummary(targets: Target[], rounds: LoadResult[][]): Array<{ ratio: number; p99: number }> {
  console.log(`\nSummary over ${rounds.length} rounds (median of per-round ratios; p99 relative to (a)'s in the same round)`);
  return targets.map((target, i) => {
    const ratios = rounds.map((round) => round[i].requestsPerSecond / round[0].requestsPerSecond);
    const p99 = rounds.map((round) => round[i].p99 / Math.max(round[0].p99, 0.001));
    const rps = rounds.map((round) => round[i].requestsPerSecond);
    const failures = rounds.reduce((sum, round) => sum + round[i].failures, 0);
    console.log(
      `  ${target.label.padEnd(38)} ${median(rps).toFixed(0).padStart(6)} req/s  x${median(ratios).toFixed(2)} (range ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})` +
        `  p99 x${median(p99).toFixed(2)}  failures ${failures}`,
    );
    return { ratio: median(ratios), p99: median(p99) };
  });
}

/**
 * The targets of the performance issue, each with this run's figure: printed, never
 * asserted (a shared machine's noise is no reason to fail anything).
 */
function printTargets(): void {
  const rows: Array<[string, number | undefined, (value: number) => string, (value: number) => boolean]> = [
    ['stateless authenticated tools/call vs (a), >= 1.5x', figures.stateless, (v) => `x${v.toFixed(2)}`, (v) => v >= 1.5],
    ['stateless p99 vs (a), no worse (<= 1x)', figures.statelessP99, (v) => `x${v.toFixed(2)}`, (v) => v <= 1],
    ['sessions authenticated tools/call vs (a), >= 1.5x', figures.sessions, (v) => `x${v.toFixed(2)}`, (v) => v >= 1.5],
    ['500 tools vs 1 tool, >= 0.9x', figures.tools500, (v) => `x${v.toFixed(2)}`, (v) => v >= 0.9],
    ['token verification uncached, median <= 40 µs', figures.uncachedMicros, (v) => `${v.toFixed(1)} µs`, (v) => v <= 40],
    ['idle session at the largest count, <= 100 KB', figures.sessionKb, (v) => `${v.toFixed(1)} KB heap`, (v) => v <= 100],
    ['JWKS fetches, one per key for the whole run', figures.fetchesPerKey, (v) => `${v.toFixed(2)} per key`, (v) => v <= 1],
  ];
  console.log('\nTargets (this run; figures, not assertions)');
  for (const [label, value, format, met] of rows) {
    console.log(
      `  ${label.padEnd(52)} ${value === undefined ? 'not measured' : `${format(value).padStart(14)}  ${met(value) ? 'met' : 'MISSED'}`}`,
    );
  }
}

/** Stateless `tools/call` throughput with 1, 50 and 500 registered tools, in alternating rounds. */
async function toolScaling(key: TestSigningKey): Promise<void> {
  const variants = [
    { count: 1, label: '1 tool' },
    { count: 50, label: '50 tools' },
    { count: 500, label: '500 tools' },
    { count: 1, label: '1 tool, verified-token cache off', env: { TOKEN_CACHE: 'off' } },
  ];
  const targets: Target[] = [];
  for (const { count, label, env } of variants) {
    const { server, jwks, resourceUrl } = await startWithJwks('tools-server', key, { TOOL_COUNT: String(count), ...env });
    const message = `echo-${count}-${randomUUID()}`;
    targets.push({
      label,
      server,
      jwks,
      headers: mcpHeaders(await benchToken(key, resourceUrl, 'bench-tools')),
      body: toolCall('echo', { message }),
      check: (body) => body.includes(`"text":"${message}"`) && !body.includes('"isError":true'),
    });
  }
  try {
    for (const target of targets) await warmUp(target);
    // Many short alternating rounds, compared within each round: the variants differ by a
    // few percent, while this shared machine's speed drifts by ±20% from one round to the next.
    const rounds = 12;
    const seconds = Math.max(2, Math.round(SECONDS / 4));
    const rows = targets.map(() => [] as LoadResult[]);
    for (let round = 0; round < rounds; round++) {
      for (const [i, target] of targets.entries()) rows[i].push(await load(target, seconds));
    }
    console.log(
      `\nStateless tools/call of "echo" by tool count, and without the verified-token cache (same token throughout, ${rounds} alternating rounds x ${seconds} s; median of the per-round ratios)`,
    );
    targets.forEach((target, i) => {
      const rps = median(rows[i].map((r) => r.requestsPerSecond));
      const ratios = rows[i].map((r, round) => r.requestsPerSecond / rows[0][round].requestsPerSecond);
      if (target.label === '500 tools') figures.tools500 = median(ratios);
      const failures = rows[i].reduce((sum, r) => sum + r.failures, 0);
      console.log(
        `  ${target.label.padEnd(34)} ${rps.toFixed(0).padStart(6)} req/s  x${median(ratios).toFixed(2)} of 1 tool (range ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})` +
          `  p99 ${median(rows[i].map((r) => r.p99)).toFixed(1)} ms  failures ${failures}  JWKS fetches ${target.jwks!.requests}`,
      );
    });
  } finally {
    for (const target of targets) {
      await target.server.stop();
      await target.jwks?.close();
    }
  }
}

/** Memory per idle session: heap (after full GC) and RSS growth, divided by the number of open sessions. */
async function sessionMemory(key: TestSigningKey): Promise<void> {
  // The session limits (10,000 in total, 100 per subject by default) are raised for this measurement only.
  const limits = {
    MCP_MAX_SESSIONS: String(Math.max(...SESSION_COUNTS) + 1_000),
    MCP_MAX_SESSIONS_PER_SUBJECT: String(Math.max(...SESSION_COUNTS)),
  };
  const { server, jwks, resourceUrl } = await startWithJwks('example-server', key, { MCP_STATELESS: 'false', ...limits });
  try {
    // Sessions belong to subjects; spread them over several, as real traffic would be.
    const tokens = await Promise.all(Array.from({ length: 50 }, (_, i) => benchToken(key, resourceUrl, `bench-session-${i}`)));
    await openSessions(server.url, tokens, 50); // warm the code paths before the baseline
    const before = await server.memory();
    console.log('\nMemory per idle session (example server, session mode; heap after full GC)');
    let open = 50;
    for (const target of SESSION_COUNTS) {
      await openSessions(server.url, tokens, target - open + 50);
      open = target + 50;
      const after = await server.memory();
      const perSession = (field: 'heapUsed' | 'rss' | 'external') => (after[field] - before[field]) / target / 1024;
      figures.sessionKb = perSession('heapUsed');
      console.log(
        `  ${String(target).padStart(6)} sessions: heap ${perSession('heapUsed').toFixed(1)} KB/session, external ${perSession('external').toFixed(1)} KB, ` +
          `RSS ${perSession('rss').toFixed(1)} KB/session (heap total ${(after.heapUsed / 1048576).toFixed(0)} MB)`,
      );
    }
    console.log(`  JWKS fetches by this server: ${jwks.requests}`);
  } finally {
    await server.stop();
    await jwks.close();
  }
}

function positiveInteger(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) throw new Error(`${name} must be a positive whole number (got "${value}")`);
  return number;
}

main().catch((error: unknown) => {
  console.error(`Benchmark failed: ${error instanceof Error ? error.stack : String(error)}`);
  process.exit(1);
});
