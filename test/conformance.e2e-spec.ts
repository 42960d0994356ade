import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startConformanceServer } from '../conformance/main.js';
import type { ConformanceServer } from '../conformance/main.js';
import { startTokenProxy } from '../conformance/token-proxy.js';
import { checksByScenario, runSuite, verdictOf } from '../conformance/suite.js';
import type { Revision } from '../conformance/suite.js';
import { freePort } from './support/free-port.js';

/**
 * A fast smoke of `npm run conformance`: the official suite's CLI, through the token-adding proxy,
 * against the conformance server, for a handful of scenarios on both wires (the whole run is
 * `npm run conformance`). Each scenario must pass every check it makes.
 */
describe('conformance suite (smoke)', () => {
  let server: ConformanceServer;
  let proxy: Server;
  let resourceUrl: string;
  let workdir: string;

  beforeAll(async () => {
    const [port, proxyPort] = [await freePort(), await freePort()];
    resourceUrl = `http://127.0.0.1:${proxyPort}/mcp`;
    server = await startConformanceServer({ port, resourceUrl });
    proxy = await startTokenProxy(proxyPort, server.endpoint, await server.token());
    workdir = mkdtempSync(join(tmpdir(), 'mcp-conformance-smoke-'));
  });
  afterAll(async () => {
    proxy?.close();
    await server?.close();
    if (workdir) rmSync(workdir, { recursive: true, force: true });
  });

  it.each<[Revision, string]>([
    ['2026-07-28', 'tools-call-mixed-content'],
    ['2026-07-28', 'completion-complete'],
    ['2026-07-28', 'prompts-get-embedded-resource'],
    ['2026-07-28', 'resources-templates-read'],
    ['2025-11-25', 'tools-call-audio'],
    ['2025-11-25', 'resources-subscribe'],
    ['2026-07-28', 'input-required-result-multi-round'],
    ['2026-07-28', 'tools-call-with-progress'],
    ['2025-11-25', 'tools-call-elicitation'],
  ])(
    '%s %s passes',
    async (revision, scenario) => {
      const dir = mkdtempSync(join(workdir, `${scenario}-`));
      await runSuite(resourceUrl, dir, { scenario, revision }, { timeoutMs: 60_000 });
      const verdict = verdictOf(scenario, checksByScenario(dir).get(scenario));
      expect(verdict).toMatchObject({ outcome: 'pass', reasons: [], warnings: [] });
      expect(verdict.passedChecks).toBeGreaterThan(0);
    },
    90_000,
  );
});
