import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext } from 'playwright-core';

/** Debian's Chromium, installed by `scripts/install-test-system-packages.sh` (the `pretest` script). */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Flags for a headless Chromium on a closed loopback-only network: without the
 * background-networking ones it keeps reaching out to Google services, and those
 * connections are refused here.
 */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A real browser with a profile of its own, removed on close. */
export interface TestBrowser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Starts headless Chromium with a fresh profile. A machine where it cannot start fails
 * the test with the reason: the browser tests never skip silently.
 */
export async function startBrowser(): Promise<TestBrowser> {
  const profile = await mkdtemp(join(tmpdir(), 'mcp-e2e-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: 30_000,
    });
    // Each step fails on its own, with its reason, well before the test's own timeout.
    context.setDefaultTimeout(10_000);
    context.setDefaultNavigationTimeout(10_000);
    return {
      context,
      close: async () => {
        await context.close();
        await rm(profile, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(profile, { recursive: true, force: true });
    throw new Error(
      `The browser tests need Chromium at ${CHROMIUM} and it could not start (install it with scripts/install-test-system-packages.sh): ${
        error instanceof Error ? error.message : String(error)
      }`,
      { cause: error },
    );
  }
}
