/**
 * `npm run bench`: `tools/call` throughput of (a) the SDK v2's documented server without
 * auth (`createMcpHandler`, JSON responses) driven with 2026-07-28 requests, the framework
 * floors (a bare Nest controller on Express and on Fastify), and on each platform (b) the
 * example server answering 2026-07-28 requests with an RS256 token, (c) the example
 * answering 2025 (legacy) requests statelessly and (d) on legacy sessions, (f) the example answering 2026-07-28
 * requests through a global interceptor and a global guard (its MCP_EXAMPLE_LOG_CALLS and MCP_EXAMPLE_READ_ONLY),
 * and (g) (b) with a DPoP-bound token and a fresh proof per request, in alternating rounds; then
 * token verification cost, tools-count scaling, an MRTR round trip's added server CPU (a tool that
 * asks the client on 2026-07-28: the round that seals its question, and whole round trips whose
 * second request verifies the state, accepts it once, and answers), memory per idle legacy session and per open `subscriptions/listen` stream,
 * and JWKS fetches. Every answer is checked; loopback only; every phase is bounded in time.
 *
 * Environment: BENCH_ROUNDS (default 3), BENCH_SECONDS per measurement (default 8),
 * BENCH_CONNECTIONS (default 10), BENCH_SESSIONS (default "1000,10000"), BENCH_LISTEN_STREAMS (default
 * 1000, at most 1000), BENCH_PLATFORMS (default "express,fastify"); BENCH_THROUGHPUT_ONLY=1 stops
 * after the throughput rounds (for iterating on the hot path), BENCH_MEMORY_ONLY=1 runs the memory
 * phases alone, BENCH_MRTR_ONLY=1 the multi-round-trip phase alone.
 */
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { REDIS_SERVER, startRedisServer } from '../test/support/redis-server.js';
import type { TestRedis } from '../test/support/redis-server.js';
import { startJwksServer, newSigningKey, signToken } from '../test/support/jwks-server.js';
import type { JwksServer, TestSigningKey } from '../test/support/jwks-server.js';
import type { FollowUp, LoadResult } from './support/load.js';
import { isModernResult, mcpHeaders, modernToolCall, modernToolCallHeaders, post, runLoad, toolCall } from './support/load.js';
import type { BenchServer } from './support/processes.js';
import { NODE_BINARY, canPin, freePort, pinRunner, runMeasurement, startServer } from './support/processes.js';
import { UNCACHED_LABEL } from './support/verification-labels.js';
import { median } from './support/median.js';
import { SDK_COST_STEPS } from './support/sdk-cost.js';
import { BenchDpopClient } from './support/dpop-proof.js';
import { openListenStream } from './support/listen-streams.js';
import { listenRequestOfSize, modernListen } from '../test/support/modern.js';

const ROUNDS = positiveInteger('BENCH_ROUNDS', 3);
const SECONDS = positiveInteger('BENCH_SECONDS', 8);
const CONNECTIONS = positiveInteger('BENCH_CONNECTIONS', 10);
const SESSION_COUNTS = (process.env.BENCH_SESSIONS ?? '1000,10000')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
/** Open listen streams measured; at most 1,000, so that they and the warm-up fit the default `maxListenStreams` (1,024). */
const LISTEN_STREAMS = Math.min(1000, positiveInteger('BENCH_LISTEN_STREAMS', 1000));
const ISSUER = 'https://idp.bench.invalid/realms/bench';
/** Every JWKS endpoint a server under test was given, to count fetches over the whole run. */
const jwksEndpoints: JwksServer[] = [];
type Platform = 'express' | 'fastify';
/** The platforms the library and the floors are measured on (`BENCH_PLATFORMS`, default both). */
const PLATFORMS = (process.env.BENCH_PLATFORMS ?? 'express,fastify').split(',').map((name) => {
  if (name !== 'express' && name !== 'fastify') throw new Error(`BENCH_PLATFORMS: unknown platform "${name}"`);
  return name as Platform;
});
/** Throughput figures by target id: the median ratio to (a) and p99 relative to (a)'s, with req/s. */
const measured: Record<string, { ratio: number; p99: number; rps: number; cpu: number }> = {};
/** The SDK's own per-request work, in-process (bench/support/sdk-cost.ts), in µs. */
let sdkCost: Record<string, number> | undefined;
/** The other figures the targets are read from, filled in as the phases run. */
const figures: Partial<Record<'tools500' | 'sessionKb' | 'listenKb' | 'uncachedMicros' | 'fetchesPerKey' | 'mrtrAddedCpu', number>> = {};
/** Redis round trips (commands sent by clients) per answered request of the Redis-backed target. */
let redisRoundTrips: number | undefined;
/** What the requests in flight at the end of that load may add to {@link redisRoundTrips}. */
let redisInFlightAllowance = 0;
/** Answers that were not the right one (status, body or headers), over every measured load of the run. */
let wrongAnswers = 0;
/** Answers per target over the run (warm-up included), to put its standard output per request. */
const served = new Map<string, number>();

/** One server under test: how to load it, and how to tell a right answer. */
interface Target {
  /** Stable key of its figures: `baseline`, `floor-express`, `modern-fastify`, ... */
  readonly id: string;
  readonly label: string;
  readonly server: BenchServer;
  readonly jwks?: JwksServer;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly perConnectionHeaders?: (index: number) => Record<string, string>;
  readonly perRequestHeaders?: () => Record<string, string>;
  readonly check: (body: string, headers: Record<string, string>) => boolean;
  /** A second request after every first, built from its answer (see `LoadOptions.followUp`). */
  readonly followUp?: FollowUp;
  /** The Redis the server is backed by, to count its round trips per request. */
  readonly redisUrl?: string;
}

async function main(): Promise<void> {
  pinRunner();
  const started = Date.now();
  const key = newSigningKey('RSA');
  console.log(
    `nestjs-mcp-auth benchmark: node ${process.version}, ${ROUNDS} rounds x ${SECONDS} s, ${CONNECTIONS} connections, ` +
      `servers ${canPin ? 'pinned to core 1 (taskset), load on core 0' : 'NOT pinned (no taskset)'}`,
  );
  console.log(
    `Every server runs on ${NODE_BINARY} (${process.version}); the example as shipped, its standard output to a pipe the runner drains`,
  );

  if (process.env.BENCH_MEMORY_ONLY) {
    await sessionMemory(key);
    await listenMemory(key);
    return void printTargets();
  }
  if (process.env.BENCH_MRTR_ONLY) {
    await mrtrRoundTrip(key);
    return void printTargets();
  }
  const targets: Target[] = [await baselineTarget()];
  for (const platform of PLATFORMS) targets.push(await floorTarget(key, platform));
  // The Redis-backed run needs Debian's redis-server (scripts/install-test-system-packages.sh installs it).
  const redis = existsSync(REDIS_SERVER) ? await startRedisServer() : undefined;
  if (redis) targets.push(await exampleRedisTarget(key, redis));
  else console.log(`${REDIS_SERVER} is missing: the Redis-backed run is skipped (apt-get install redis-server)`);
  for (const platform of PLATFORMS) {
    targets.push(
      await exampleModernTarget(key, platform),
      await exampleDpopTarget(key, platform),
      await exampleLegacyTarget(key, platform, 'stateless'),
      await exampleLegacyTarget(key, platform, 'sessions'),
      await exampleModernTarget(key, platform, 'enhanced'),
    );
  }
  // BENCH_TARGETS=<id,...> keeps (a) and the named targets only (ids: floor-express, modern-fastify, redis-express, ...).
  const only = process.env.BENCH_TARGETS?.split(',');
  if (only) {
    for (const target of targets.filter((candidate) => candidate.id !== 'baseline' && !only.includes(candidate.id)).reverse()) {
      targets.splice(targets.indexOf(target), 1);
      await target.server.stop();
      await target.jwks?.close();
    }
  }
  try {
    for (const target of targets) await warmUp(target);
    const rounds: MeasuredLoad[][] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const results: MeasuredLoad[] = [];
      for (const target of targets) results.push(await load(target, SECONDS));
      rounds.push(results);
      printRound(round, targets, results);
    }
    const summary = printSummary(targets, rounds);
    targets.forEach((target, i) => (measured[target.id] = summary[i]));
    const redisTarget = targets.find((target) => target.redisUrl);
    if (redisTarget) redisRoundTrips = await countRedisRoundTrips(redisTarget);
    for (const target of targets.filter((candidate) => candidate.jwks)) {
      console.log(`JWKS fetches by ${target.label}: ${target.jwks!.requests} (one signing key)`);
    }
    for (const target of targets.filter((candidate) => candidate.server.stdoutBytes() > 0)) {
      const answers = served.get(target.id) ?? 1;
      console.log(
        `Standard output of ${target.label}: ${(target.server.stdoutBytes() / 1024).toFixed(0)} KB drained, ` +
          `${(target.server.stdoutBytes() / answers).toFixed(0)} bytes per answered request (audit lines)`,
      );
    }
  } finally {
    for (const target of targets) {
      await target.server.stop();
      await target.jwks?.close();
    }
    await redis?.close();
  }

  sdkCost = await runMeasurement('sdk-cost');
  console.log('\nThe MCP SDK v2 per request, in-process (own process on the server core; npm run bench:sdk for the long run):');
  for (const [key, label] of Object.entries(SDK_COST_STEPS)) console.log(`  ${label.padEnd(84)} ${sdkCost[key].toFixed(1).padStart(7)} µs`);
  if (process.env.BENCH_THROUGHPUT_ONLY) return void printTargets();
  await toolScaling(key);
  await mrtrRoundTrip(key);
  await sessionMemory(key);
  await listenMemory(key);
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
    id: 'baseline',
    label: '(a) SDK v2 createMcpHandler, no auth',
    server,
    headers: modernToolCallHeaders('echo'),
    body: modernToolCall('echo', { message }),
    check: (body) => body.includes(`"text":"${message}"`) && isModernResult(body),
  };
}

/**
 * The framework floor on `platform`: a bare Nest controller reading the body, looking
 * the (cached) token up and answering `whoami`'s JSON-RPC result (`bench/servers/framework-floor.ts`).
 */
async function floorTarget(key: TestSigningKey, platform: Platform): Promise<Target> {
  const { server, jwks, resourceUrl } = await startWithJwks('framework-floor', key, { PLATFORM: platform });
  const subject = 'bench-modern';
  const token = await benchToken(key, resourceUrl, subject);
  return {
    id: `floor-${platform}`,
    label: `floor: bare Nest controller, ${platform}`,
    server,
    jwks,
    headers: modernToolCallHeaders('whoami', token),
    body: modernToolCall('whoami', {}),
    check: (body, headers) => isWhoami(body, subject) && isModernResult(body) && !('mcp-session-id' in headers),
  };
}

/**
 * The example as shipped (dual era, legacy sessions on) answering 2026-07-28 requests: stateless by nature.
 * `enhanced`: with the example's global interceptor (logging each call) and global guard (read-only, which
 * lets `whoami` through), so that the difference from (b) is what one interceptor and one guard cost a call.
 */
async function exampleModernTarget(key: TestSigningKey, platform: Platform, enhancers?: 'enhanced'): Promise<Target> {
  const { server, jwks, resourceUrl } = await startWithJwks('example-server', key, {
    MCP_EXAMPLE_PLATFORM: platform,
    ...(enhancers ? { MCP_EXAMPLE_LOG_CALLS: 'true', MCP_EXAMPLE_READ_ONLY: 'true' } : {}),
  });
  const subject = 'bench-modern';
  const token = await benchToken(key, resourceUrl, subject);
  return {
    id: `${enhancers ? 'enhanced' : 'modern'}-${platform}`,
    label: enhancers ? `(f) modern + interceptor & guard, ${platform}` : `(b) library modern, ${platform}`,
    server,
    jwks,
    headers: modernToolCallHeaders('whoami', token),
    body: modernToolCall('whoami', {}),
    // A modern answer never carries a session id.
    check: (body, headers) => isWhoami(body, subject) && isModernResult(body) && !('mcp-session-id' in headers),
  };
}

/**
 * Issue 24: (b) with a DPoP-bound token (`cnf.jkt`), presented with the DPoP scheme and a fresh
 * proof per request (the example accepts DPoP by default): one more signature check and the
 * replay memory, beside the bearer figure on the same platform.
 */
async function exampleDpopTarget(key: TestSigningKey, platform: Platform): Promise<Target> {
  const { server, jwks, resourceUrl } = await startWithJwks('example-server', key, { MCP_EXAMPLE_PLATFORM: platform });
  const subject = 'bench-dpop';
  const client = new BenchDpopClient();
  const token = await benchToken(key, resourceUrl, subject, 'User.Read', { cnf: { jkt: client.jkt } });
  return {
    id: `dpop-${platform}`,
    label: `(g) library modern DPoP, ${platform}`,
    server,
    jwks,
    headers: { ...modernToolCallHeaders('whoami'), authorization: `DPoP ${token}` },
    body: modernToolCall('whoami', {}),
    perRequestHeaders: () => ({ dpop: client.proof(resourceUrl, token) }),
    check: (body, headers) => isWhoami(body, subject) && isModernResult(body) && !('mcp-session-id' in headers),
  };
}

/**
 * Issue 14: the example on one instance with per-principal rate limits counted in Redis
 * (`MCP_REDIS_URL`; a limit high enough never to refuse) and, since issue 23, its metrics on
 * (`MCP_METRICS`), answering modern `tools/call`s.
 * Redis's own count of the commands it processed gives the round trips per request.
 */
async function exampleRedisTarget(key: TestSigningKey, redis: TestRedis): Promise<Target> {
  const { server, jwks, resourceUrl } = await startWithJwks('example-server', key, {
    MCP_REDIS_URL: redis.url,
    MCP_RATE_LIMIT_PER_MINUTE: '100000000',
    MCP_EXAMPLE_PLATFORM: 'express',
    MCP_METRICS: 'true',
  });
  const subject = 'bench-modern';
  const token = await benchToken(key, resourceUrl, subject);
  return {
    id: 'redis-express',
    label: '(e) modern + metrics + Redis limits',
    server,
    jwks,
    headers: modernToolCallHeaders('whoami', token),
    body: modernToolCall('whoami', {}),
    check: (body, headers) => isWhoami(body, subject) && isModernResult(body) && !('mcp-session-id' in headers),
    redisUrl: redis.url,
  };
}

async function exampleLegacyTarget(key: TestSigningKey, platform: Platform, mode: 'stateless' | 'sessions'): Promise<Target> {
  const { server, jwks, resourceUrl } = await startWithJwks('example-server', key, {
    MCP_STATELESS: String(mode === 'stateless'),
    MCP_EXAMPLE_PLATFORM: platform,
  });
  const subject = `bench-${mode}`;
  const token = await benchToken(key, resourceUrl, subject);
  const headers = mcpHeaders(token);
  const sessions = mode === 'sessions' ? await openSessions(server.url, [token], CONNECTIONS) : [];
  return {
    id: `${mode}-${platform}`,
    label: mode === 'stateless' ? `(c) library legacy stateless, ${platform}` : `(d) library legacy sessions, ${platform}`,
    server,
    jwks,
    headers,
    body: toolCall('whoami', {}),
    perConnectionHeaders: mode === 'sessions' ? (index) => ({ 'mcp-session-id': sessions[index % sessions.length] }) : undefined,
    check: (body) => isWhoami(body, subject) && body.includes('"id":1') && !body.includes('"resultType"'),
  };
}

/** Whether a body is `whoami`'s answer for `subject` (its JSON, escaped inside the text block), not a tool error. */
function isWhoami(body: string, subject: string): boolean {
  return body.includes(`\\"sub\\":\\"${subject}\\"`) && !body.includes('"isError":true');
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
    // The example's own enhancers are on only where a target asks for them (f): a call pays for none it does not use.
    MCP_EXAMPLE_LOG_CALLS: 'false',
    ...env,
  });
  return { server, jwks, resourceUrl };
}

function benchToken(
  key: TestSigningKey,
  audience: string,
  sub: string,
  scope = 'User.Read',
  extra: Record<string, unknown> = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return signToken(key, { iss: ISSUER, aud: audience, sub, client_id: 'bench-client', scope, iat: now, exp: now + 3600, ...extra });
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

/**
 * Round trips to Redis per answered request, counted by Redis itself: a MONITOR connection
 * sees every command a client sends (and, marked "lua", those a script runs: not round
 * trips) during a separate 2-second load, kept out of the throughput figures.
 */
async function countRedisRoundTrips(target: Target): Promise<number> {
  const client = new Redis(target.redisUrl!, { maxRetriesPerRequest: 1, lazyConnect: true });
  client.on('error', () => undefined);
  const monitor = await client.monitor();
  monitor.on('error', () => undefined);
  const byCommand = new Map<string, number>();
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (source === 'lua') return;
    const command = String(args[0]).toLowerCase();
    byCommand.set(command, (byCommand.get(command) ?? 0) + 1);
  });
  try {
    const result = await load(target, 2);
    // MONITOR's stream lags the commands a little: let it catch up.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const sent = [...byCommand.values()].reduce((sum, count) => sum + count, 0);
    const answers = Math.max(1, result.ok + result.failures);
    const perRequest = sent / answers;
    // Requests still in flight when the load stopped (at most one per connection) sent their command but got no counted answer.
    redisInFlightAllowance = CONNECTIONS / answers;
    const breakdown = [...byCommand].map(([command, count]) => `${command} ${count}`).join(', ');
    console.log(
      `Redis round trips per request of ${target.label}: ${perRequest.toFixed(3)} ` +
        `(${result.ok + result.failures} answers; commands counted by MONITOR: ${breakdown})`,
    );
    return perRequest;
  } finally {
    monitor.disconnect();
    client.disconnect();
  }
}

async function warmUp(target: Target): Promise<void> {
  const result = await load(target, 2);
  if (result.failures > 0 || result.ok === 0) {
    throw new Error(`${target.label}: warm-up had ${result.failures} wrong answers of ${result.ok + result.failures}`);
  }
}

/** A load's result, with the server's CPU time per answered request (steadier than req/s on a shared machine). */
type MeasuredLoad = LoadResult & { readonly cpuMicrosPerRequest: number };

async function load(target: Target, seconds: number): Promise<MeasuredLoad> {
  const cpuBefore = await target.server.cpuMicros();
  const result = await runLoad({
    url: target.server.url,
    durationSeconds: seconds,
    connections: CONNECTIONS,
    headers: target.headers,
    body: target.body,
    perConnectionHeaders: target.perConnectionHeaders,
    perRequestHeaders: target.perRequestHeaders,
    check: target.check,
    followUp: target.followUp,
  });
  wrongAnswers += result.failures;
  served.set(target.id, (served.get(target.id) ?? 0) + result.ok + result.failures);
  const cpu = (await target.server.cpuMicros()) - cpuBefore;
  const answered = Math.max(1, result.ok + result.failures);
  return { ...result, cpuMicrosPerRequest: cpu / answered };
}

function printRound(round: number, targets: Target[], results: MeasuredLoad[]): void {
  const baseline = results[0];
  console.log(`\nRound ${round}`);
  console.log(
    `  ${'server'.padEnd(38)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'vs (a)'.padStart(7)} ${'CPU µs/req'.padStart(11)} ${'failures'.padStart(9)}`,
  );
  targets.forEach((target, i) => {
    const r = results[i];
    console.log(
      `  ${target.label.padEnd(38)} ${r.requestsPerSecond.toFixed(0).padStart(8)} ${r.p50.toFixed(1).padStart(7)} ${r.p99.toFixed(1).padStart(7)} ` +
        `${(r.requestsPerSecond / baseline.requestsPerSecond).toFixed(2).padStart(7)} ${r.cpuMicrosPerRequest.toFixed(0).padStart(11)} ${String(r.failures).padStart(9)}`,
    );
  });
}

function printSummary(targets: Target[], rounds: MeasuredLoad[][]): Array<{ ratio: number; p99: number; rps: number; cpu: number }> {
  console.log(`\nSummary over ${rounds.length} rounds (median of per-round ratios; p99 relative to (a)'s in the same round)`);
  return targets.map((target, i) => {
    const ratios = rounds.map((round) => round[i].requestsPerSecond / round[0].requestsPerSecond);
    const p99 = rounds.map((round) => round[i].p99 / Math.max(round[0].p99, 0.001));
    const rps = rounds.map((round) => round[i].requestsPerSecond);
    const failures = rounds.reduce((sum, round) => sum + round[i].failures, 0);
    const cpu = median(rounds.map((round) => round[i].cpuMicrosPerRequest));
    console.log(
      `  ${target.label.padEnd(38)} ${median(rps).toFixed(0).padStart(6)} req/s  x${median(ratios).toFixed(2)} (range ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})` +
        `  p99 x${median(p99).toFixed(2)}  CPU ${cpu.toFixed(0)} µs/req  failures ${failures}`,
    );
    return { ratio: median(ratios), p99: median(p99), rps: median(rps), cpu };
  });
}

/**
 * The targets of the performance issue, each with this run's figure: printed, never
 * asserted (a shared machine's noise is no reason to fail anything).
 */
function printTargets(): void {
  type Row = [string, number | undefined, (value: number) => string, (value: number) => boolean];
  const times = (v: number) => `x${v.toFixed(2)}`;
  /** The server CPU a target spends per request beyond another's (medians of this run). */
  const addedCpu = (id: string, to: string) => (measured[id] && measured[to] ? measured[id].cpu - measured[to].cpu : undefined);
  /** A target's throughput relative to another's (both medians of this run). */
  const relative = (id: string, to: string) => (measured[id] && measured[to] ? measured[id].rps / measured[to].rps : undefined);
  const rows: Row[] = [];
  for (const platform of PLATFORMS) {
    const [vsBaseline, vsFloor] = platform === 'express' ? [2, 0.65] : [4, 0.5];
    rows.push(
      [`${platform}: modern tools/call vs (a), >= ${vsBaseline}x`, measured[`modern-${platform}`]?.ratio, times, (v) => v >= vsBaseline],
      [
        `${platform}: modern tools/call vs its floor, >= ${vsFloor}x`,
        relative(`modern-${platform}`, `floor-${platform}`),
        times,
        (v) => v >= vsFloor,
      ],
      [`${platform}: modern p99 vs (a), no worse (<= 1x)`, measured[`modern-${platform}`]?.p99, times, (v) => v <= 1],
      [`${platform}: modern vs legacy sessions, >= 1x`, relative(`modern-${platform}`, `sessions-${platform}`), times, (v) => v >= 1],
      [`${platform}: legacy stateless vs (a), >= 1.5x`, measured[`stateless-${platform}`]?.ratio, times, (v) => v >= 1.5],
      [`${platform}: legacy stateless p99 vs (a) (<= 1x)`, measured[`stateless-${platform}`]?.p99, times, (v) => v <= 1],
      [`${platform}: legacy sessions vs (a), >= 1.5x`, measured[`sessions-${platform}`]?.ratio, times, (v) => v >= 1.5],
      [`${platform}: legacy sessions p99 vs (a) (<= 1x)`, measured[`sessions-${platform}`]?.p99, times, (v) => v <= 1],
      [`${platform}: floor vs (a) (for reference)`, measured[`floor-${platform}`]?.ratio, times, () => true],
      [
        `${platform}: + global interceptor and guard, CPU/call`,
        addedCpu(`enhanced-${platform}`, `modern-${platform}`),
        (v) => `${v >= 0 ? '+' : ''}${v.toFixed(1)} µs`,
        () => true,
      ],
      [
        `${platform}: DPoP modern tools/call vs bearer, >= 0.8x`,
        relative(`dpop-${platform}`, `modern-${platform}`),
        times,
        (v) => v >= 0.8,
      ],
    );
  }
  rows.push(
    ['express + metrics + Redis limits: modern vs (a), >= 1.5x', measured['redis-express']?.ratio, times, (v) => v >= 1.5],
    ['express + metrics + Redis limits: modern p99 vs (a) (<= 1x)', measured['redis-express']?.p99, times, (v) => v <= 1],
    [
      'express + Redis limits: Redis round trips per request, <= 1',
      redisRoundTrips,
      (v) => v.toFixed(3),
      (v) => v <= 1 + redisInFlightAllowance,
    ],
    ['500 tools vs 1 tool (modern), >= 0.9x', figures.tools500, (v) => `x${v.toFixed(2)}`, (v) => v >= 0.9],
    [
      'MRTR round trip (ask + answer) vs a plain call, CPU',
      figures.mrtrAddedCpu,
      (v) => `${v >= 0 ? '+' : ''}${v.toFixed(1)} µs`,
      () => true,
    ],
    ['token verification uncached, median <= 40 µs', figures.uncachedMicros, (v) => `${v.toFixed(1)} µs`, (v) => v <= 40],
    [
      `idle legacy session at ${Math.max(...SESSION_COUNTS)} sessions, <= 100 KB`,
      figures.sessionKb,
      (v) => `${v.toFixed(1)} KB heap`,
      (v) => v <= 100,
    ],
    [`open listen stream, largest request, <= 100 KB`, figures.listenKb, (v) => `${v.toFixed(1)} KB heap`, (v) => v <= 100],
    ['JWKS fetches, one per key for the whole run', figures.fetchesPerKey, (v) => `${v.toFixed(2)} per key`, (v) => v <= 1],
    ['wrong answers over every measured request, 0', wrongAnswers, (v) => String(v), (v) => v === 0],
  );
  console.log('\nTargets (this run; figures, not assertions)');
  for (const [label, value, format, met] of rows) {
    console.log(
      `  ${label.padEnd(62)} ${value === undefined ? 'not measured' : `${format(value).padStart(14)}  ${met(value) ? 'met' : 'MISSED'}`}`,
    );
  }
  printWhereTimeGoes();
}

/**
 * Where a modern call's server time goes, from this run's own figures (docs/performance.md has
 * the profile). Since issue 23 a modern `tools/call` takes the direct path: the protocol
 * server's dispatch on a long-lived server, not `createMcpHandler`'s per-request server and web
 * `Request`/`Response` (both in-process figures printed, a lower bound). What the library adds
 * above its framework floor (same platform, same token lookup, same answer) is the rest: the
 * MCP ladder and dispatch, guards, scopes, the audit line, metrics.
 */
function printWhereTimeGoes(): void {
  if (sdkCost) {
    const { modern, dispatch, bridge } = sdkCost;
    console.log(
      `\nIn-process, per request: the SDK's createMcpHandler ${modern.toFixed(0)} µs (web Request/Response ~${bridge.toFixed(0)} µs of it); ` +
        `the protocol server's dispatch alone, what the direct path keeps, ${dispatch.toFixed(0)} µs.`,
    );
  }
  for (const platform of PLATFORMS) {
    const floor = measured[`floor-${platform}`];
    const library = measured[`modern-${platform}`];
    const sessions = measured[`sessions-${platform}`];
    if (!floor || !library) continue;
    const above = library.cpu - floor.cpu;
    console.log(
      `  ${platform}: modern ${library.cpu.toFixed(0)} µs of server CPU per request` +
        (sessions ? `, a legacy-session request ${sessions.cpu.toFixed(0)} µs` : '') +
        `, the floor ${floor.cpu.toFixed(0)} µs: the library adds ${above.toFixed(0)} µs above the floor ` +
        `(${((above / library.cpu) * 100).toFixed(0)}% of the modern request)`,
    );
  }
}

/** Modern (2026-07-28) `tools/call` throughput with 1, 50 and 500 registered tools, in alternating rounds. */
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
      id: `tools-${label}`,
      label,
      server,
      jwks,
      headers: modernToolCallHeaders('echo', await benchToken(key, resourceUrl, 'bench-tools')),
      body: modernToolCall('echo', { message }),
      check: (body) => body.includes(`"text":"${message}"`) && isModernResult(body),
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
      `\nModern tools/call of "echo" by tool count, and without the verified-token cache (same token throughout, ${rounds} alternating rounds x ${seconds} s; median of the per-round ratios)`,
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

/**
 * What asking the client costs the server on 2026-07-28: a tool that asks answers in two requests,
 * the round that seals its question (`input_required` with the HMAC-sealed, caller-bound state) and
 * the round that verifies that state and answers. Each answered state is accepted once, so the
 * answered round cannot be loaded alone: the first round is loaded alone, then whole round trips
 * (each connection asks, then answers with the state it was given), beside a plain call of the
 * same server, in alternating rounds. The answered round's CPU is a trip's minus the first round's;
 * the added CPU of a round trip is both rounds' minus one plain call's.
 */
async function mrtrRoundTrip(key: TestSigningKey): Promise<void> {
  const { server, jwks, resourceUrl } = await startWithJwks('tools-server', key, {
    TOOL_COUNT: '1',
    ASKING: '1',
    REQUEST_STATE_KEY: randomUUID() + randomUUID(),
  });
  const headers = (name: string) => modernToolCallHeaders(name, token);
  const token = await benchToken(key, resourceUrl, 'bench-asking');
  const forms = { elicitation: { form: {} } };
  const asks = (body: string) => body.includes('"resultType":"input_required"') && body.includes('"requestState":"v1.');
  /** Round 2 of the call whose round 1 answered `asked`: the answer and the state that round sealed. */
  const answerTo: FollowUp = {
    body: (asked) => {
      const requestState = asks(asked) ? (JSON.parse(asked) as { result: { requestState: string } }).result.requestState : undefined;
      const inputResponses = { elicitation: { action: 'accept', content: { text: 'answered' } } };
      return requestState && modernToolCall('ask_echo', {}, 1, { capabilities: forms, params: { inputResponses, requestState } });
    },
    check: (body) => body.includes('"text":"answered"') && isModernResult(body),
  };
  try {
    const first = await post(server.url, headers('ask_echo'), modernToolCall('ask_echo', {}, 1, { capabilities: forms }));
    if (!asks(first.text)) throw new Error(`ask_echo did not ask: ${first.text.slice(0, 200)}`);
    const targets: Target[] = [
      {
        id: 'mrtr-plain',
        label: 'plain call (echo)',
        server,
        headers: headers('echo'),
        body: modernToolCall('echo', { message: 'plain' }),
        check: (body) => body.includes('"text":"plain"') && isModernResult(body),
      },
      {
        id: 'mrtr-ask',
        label: 'round 1: asks (seals the state)',
        server,
        headers: headers('ask_echo'),
        body: modernToolCall('ask_echo', {}, 1, { capabilities: forms }),
        check: asks,
      },
      {
        id: 'mrtr-trip',
        label: 'round trips: asks, then answers',
        server,
        headers: headers('ask_echo'),
        body: modernToolCall('ask_echo', {}, 1, { capabilities: forms }),
        check: asks,
        followUp: answerTo,
      },
    ];
    for (const target of targets) await warmUp(target);
    const rounds = 8;
    const seconds = Math.max(2, Math.round(SECONDS / 4));
    const cpu = targets.map(() => [] as number[]);
    const rps = targets.map(() => [] as number[]);
    for (let round = 0; round < rounds; round++) {
      for (const [i, target] of targets.entries()) {
        const result = await load(target, seconds);
        cpu[i].push(result.cpuMicrosPerRequest);
        rps[i].push(result.requestsPerSecond);
      }
    }
    console.log(`
Asking the client on 2026-07-28 (one server, ${rounds} alternating rounds x ${seconds} s; median server CPU per request)`);
    targets.forEach((target, i) =>
      console.log(
        `  ${target.label.padEnd(40)} ${median(rps[i]).toFixed(0).padStart(6)} req/s  CPU ${median(cpu[i]).toFixed(0).padStart(5)} µs/req`,
      ),
    );
    const [plain, ask, trip] = cpu.map(median);
    // Half of a trip's requests ask, half answer (each state accepted once, so answers cannot be loaded alone).
    const answered = 2 * trip - ask;
    console.log(
      `  round 2: answered (verifies the state, accepts it once)  CPU ${answered.toFixed(0).padStart(5)} µs/req (a trip's two requests minus round 1)`,
    );
    figures.mrtrAddedCpu = ask + answered - plain;
    console.log(
      `  a round trip (both rounds) costs ${(ask + answered).toFixed(0)} µs of server CPU, ${figures.mrtrAddedCpu.toFixed(0)} µs more than one plain call ` +
        `(a second request, and beyond a plain request: +${(ask - plain).toFixed(0)} µs to ask and seal, +${(answered - plain).toFixed(0)} µs to verify and answer)`,
    );
  } finally {
    await server.stop();
    await jwks.close();
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
    console.log('\nMemory per idle legacy session (example server, session mode; heap after full GC)');
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

/**
 * Memory per open `subscriptions/listen` stream (issue 19), measured like the idle legacy
 * session: the example as shipped, heap (after full GC) and RSS growth divided by the number of
 * open streams, ten per subject (the default per-subject bound). Once with a tiny listen request,
 * once with the largest accepted: 32 KiB, 256 resource URIs (kept by the SDK for the stream's
 * life) and the rest in many tiny objects under an `_meta` key (kept by nothing, if nothing keeps the request).
 */
async function listenMemory(key: TestSigningKey): Promise<void> {
  const { server, jwks, resourceUrl } = await startWithJwks('example-server', key, {});
  const perSubject = 10;
  let subjects = 0;
  const nextTokens = (streams: number) =>
    Promise.all(Array.from({ length: Math.ceil(streams / perSubject) }, () => benchToken(key, resourceUrl, `bench-listen-${subjects++}`)));
  const variants = [
    ['a tiny listen request', JSON.stringify(modernListen(1, { toolsListChanged: true }))],
    ['the largest accepted (32 KiB, 256 URIs)', listenRequestOfSize(32 * 1024)],
  ] as const;
  try {
    console.log(
      `\nMemory per open subscriptions/listen stream (example server, ${LISTEN_STREAMS} streams, ${perSubject} per subject; heap after full GC)`,
    );
    for (const [label, body] of variants) {
      // Warm up: what the first streams build once (code, caches) is not what a stream keeps.
      const warm = await openListenStreams(resourceUrl, await nextTokens(perSubject), perSubject, body, perSubject);
      const before = await server.memory();
      const open = await openListenStreams(resourceUrl, await nextTokens(LISTEN_STREAMS), LISTEN_STREAMS, body, perSubject);
      const after = await server.memory();
      for (const close of [...warm, ...open]) close();
      const perStream = (field: 'heapUsed' | 'rss') => (after[field] - before[field]) / LISTEN_STREAMS / 1024;
      if (body.length > 1000) figures.listenKb = perStream('heapUsed');
      console.log(
        `  ${label.padEnd(42)} heap ${perStream('heapUsed').toFixed(1)} KB/stream, RSS ${perStream('rss').toFixed(1)} KB/stream ` +
          `(heap total ${(after.heapUsed / 1048576).toFixed(0)} MB)`,
      );
      // The server gives the places back as it sees the connections close.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  } finally {
    await server.stop();
    await jwks.close();
  }
}

/**
 * Opens `count` listen streams with `body`, `perSubject` on each token, 16 at a time; returns
 * their closers. A 503 (the server has not yet seen the previous variant's streams close) is
 * retried, for at most 10 s.
 */
async function openListenStreams(
  url: string,
  tokens: string[],
  count: number,
  body: string,
  perSubject: number,
): Promise<Array<() => void>> {
  const closers: Array<() => void> = [];
  const deadline = Date.now() + 10_000;
  let next = 0;
  const openOne = async (token: string): Promise<() => void> => {
    for (;;) {
      try {
        return await openListenStream(url, token, body);
      } catch (error) {
        if ((error as { status?: number }).status !== 503 || Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  };
  const worker = async () => {
    while (next < count) {
      const index = next++;
      closers.push(await openOne(tokens[Math.floor(index / perSubject)]));
    }
  };
  try {
    await Promise.all(Array.from({ length: 16 }, worker));
  } catch (error) {
    for (const close of closers) close();
    throw error;
  }
  return closers;
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
