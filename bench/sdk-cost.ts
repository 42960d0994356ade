/**
 * `npm run bench:sdk`: where the MCP SDK v2 (`@modelcontextprotocol/server`) spends its
 * time on one `tools/call`, in-process (bench/support/sdk-cost.ts): classification, server
 * construction, the modern entry (`createMcpHandler`), a legacy session's web-standard
 * transport, the protocol server's dispatch alone, and the web `Request`/`Response` bridge
 * alone. 20,000 calls to warm up, then the median of 5 batches of 20,000.
 *
 * Run it pinned (`taskset -c 1 npm run bench:sdk`) on a quiet machine; compare the
 * figures with each other, not across machines.
 */
import { SDK_COST_STEPS, measureSdkCost } from './support/sdk-cost.js';

async function main(): Promise<void> {
  const runs = { warmUp: 20_000, batch: 20_000, batches: 5 };
  console.log(`MCP SDK v2 per-request cost, in-process (node ${process.version}; median of ${runs.batches} x ${runs.batch} calls)`);
  const cost = await measureSdkCost(runs);
  for (const [key, label] of Object.entries(SDK_COST_STEPS)) {
    console.log(`  ${label.padEnd(84)} ${cost[key as keyof typeof cost].toFixed(1).padStart(7)} µs`);
  }
  console.log('\nReading it');
  console.log(
    `  modern entry (3) over dispatch (5): ${(cost.modern - cost.dispatch).toFixed(1)} µs per request spent before and after the handler runs`,
  );
  console.log(
    `  legacy session (4) over dispatch (5): ${(cost.legacySession - cost.dispatch).toFixed(1)} µs, of which the web bridge (6) ~${cost.bridge.toFixed(1)} µs`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
