import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The revisions whose server requirement sets the conformance run covers. */
export type Revision = '2026-07-28' | '2025-11-25';
export const REVISIONS: readonly Revision[] = ['2026-07-28', '2025-11-25'];

/** One check of a scenario, as the suite writes it to `checks.json`. */
export interface ConformanceCheck {
  readonly id: string;
  readonly status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'SKIPPED' | 'INFO';
  readonly errorMessage?: string;
}

/** What a scenario came to: passed (checks ran, none failed), failed, or nothing to judge. */
export interface ScenarioVerdict {
  readonly scenario: string;
  readonly outcome: 'pass' | 'fail' | 'no checks' | 'not run';
  readonly passedChecks: number;
  readonly totalChecks: number;
  /** The suite's own messages for the failing checks, without repeats. */
  readonly reasons: readonly string[];
  /** The suite's messages for the checks it only warns about (a SHOULD the server does not follow), without repeats. */
  readonly warnings: readonly string[];
}

/**
 * Scenarios that are known not to pass yet, each with what it waits for. Empty: every scenario
 * of both requirement sets passes (a scenario that fails is reported as unexpected).
 */
export const AWAITING: Readonly<Record<string, string>> = {};

const require = createRequire(import.meta.url);
/** The installed suite: its CLI, and the frozen requirement sets beside it. */
const PACKAGE = dirname(require.resolve('@modelcontextprotocol/conformance/package.json'));
const CLI = join(PACKAGE, 'dist', 'index.js');

/** What a revision's requirement set runs: the scenarios it requires, and those it runs without scoring (with the suite's reason). */
export function requirementSet(revision: Revision): { required: string[]; notScored: Map<string, string> } {
  const text = readFileSync(join(PACKAGE, 'requirements', `${revision}.yaml`), 'utf8');
  const required = [...(/^server:\n((?:\s+- .+\n)+)/m.exec(text)?.[1] ?? '').matchAll(/- (\S+)/g)].map((m) => m[1]);
  const notScored = new Map<string, string>();
  for (const m of text.matchAll(/- scenario: (\S+)\n\s+leg: server\n\s+reason: (\S+)/g)) notScored.set(m[1], m[2]);
  return { required, notScored };
}

/**
 * Runs the suite's CLI with this Node against `url`: a revision's whole requirement set, or
 * one scenario at a revision's wire. Results go to `outputDir`; the suite's own output is
 * shown when `echo` is set. Stopped after `timeoutMs`.
 */
export function runSuite(
  url: string,
  outputDir: string,
  selection: { requirements: Revision } | { scenario: string; revision: Revision },
  { echo = false, timeoutMs = 10 * 60_000 }: { echo?: boolean; timeoutMs?: number } = {},
): Promise<void> {
  const chosen =
    'requirements' in selection
      ? ['--requirements', selection.requirements]
      : ['--scenario', selection.scenario, '--spec-version', selection.revision];
  const args = [CLI, 'server', '--url', url, '--output-dir', outputDir, ...chosen];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: outputDir,
      stdio: ['ignore', echo ? 'inherit' : 'ignore', echo ? 'inherit' : 'ignore'],
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Each scenario's checks, from the `checks.json` the suite wrote under `outputDir/server-<scenario>-<time>/`. */
export function checksByScenario(outputDir: string): Map<string, ConformanceCheck[]> {
  const results = new Map<string, ConformanceCheck[]>();
  for (const entry of readdirSync(outputDir, { withFileTypes: true })) {
    const match = /^server-(.+)-\d{4}-\d\d-\d\dT[\d-]+Z$/.exec(entry.name);
    if (!entry.isDirectory() || !match) continue;
    results.set(match[1], JSON.parse(readFileSync(join(outputDir, entry.name, 'checks.json'), 'utf8')) as ConformanceCheck[]);
  }
  return results;
}

/** A scenario's verdict from its checks (undefined: the suite never ran it). */
export function verdictOf(scenario: string, checks: readonly ConformanceCheck[] | undefined): ScenarioVerdict {
  if (!checks) return { scenario, outcome: 'not run', passedChecks: 0, totalChecks: 0, reasons: [], warnings: [] };
  const failures = checks.filter((check) => check.status === 'FAILURE');
  const passedChecks = checks.filter((check) => check.status === 'SUCCESS').length;
  const messages = (status: ConformanceCheck['status']) => [
    ...new Set(checks.filter((check) => check.status === status).map((check) => String(check.errorMessage ?? check.id).slice(0, 200))),
  ];
  const outcome = failures.length > 0 ? 'fail' : passedChecks > 0 ? 'pass' : 'no checks';
  return {
    scenario,
    outcome,
    passedChecks,
    totalChecks: passedChecks + failures.length,
    reasons: messages('FAILURE'),
    warnings: messages('WARNING'),
  };
}
