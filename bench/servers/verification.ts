/**
 * Not a server: measures token verification (bench/support/verification.ts) in a
 * process of its own, pinned to the server core like the servers, and reports the
 * medians to the runner.
 */
import { measureVerification } from '../support/verification.js';
import { failStartup, reportResult } from './child-protocol.js';

measureVerification().then(reportResult, failStartup);
