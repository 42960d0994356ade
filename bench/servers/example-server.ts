/**
 * Servers (b) and (c): the example application, booted exactly as `npm start` boots it,
 * configured through the environment the runner passes (issuer, JWKS URL, port, mode).
 */
import { bootstrap } from '../../src/main.js';
import { failStartup, reportReady } from './child-protocol.js';

bootstrap(process.env).then(({ url }) => reportReady({ url: `${url}/mcp` }), failStartup);
