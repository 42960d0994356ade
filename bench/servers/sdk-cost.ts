/**
 * Not a server: measures the MCP SDK's own per-request work (bench/support/sdk-cost.ts) in a
 * process of its own, pinned to the server core like the servers, and reports it to the runner.
 */
import { measureSdkCost } from '../support/sdk-cost.js';
import { failStartup, reportResult } from './child-protocol.js';

measureSdkCost({ warmUp: 10_000, batch: 10_000, batches: 3 }).then((cost) => reportResult({ ...cost }), failStartup);
