#!/usr/bin/env node
import { DEV_IDP_USAGE, DevIdpUsageError, parseDevIdpArguments, startDevIdp } from './dev-idp-command.js';

const USAGE = `Usage: nestjs-mcp-auth <command>

Commands:
  dev-idp    a development identity provider for your own MCP server, with tokens printed as curl lines
             (nestjs-mcp-auth dev-idp --help)

API keys are hashed by the mcp-auth-hash-key command.`;

/**
 * `npx nestjs-mcp-auth dev-idp --resource http://127.0.0.1:3000/mcp --scopes User.Read --users alice,bob`:
 * see {@link DEV_IDP_USAGE}. A mistake on the command line prints one line and exits with 2.
 */
async function main([command, ...argv]: string[]): Promise<void> {
  if (command === undefined || command === '--help' || command === '-h') {
    console.log(USAGE);
    return;
  }
  if (command !== 'dev-idp') throw new DevIdpUsageError(`unknown command "${command}" (try nestjs-mcp-auth --help)`);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(DEV_IDP_USAGE);
    return;
  }
  const running = await startDevIdp(parseDevIdpArguments(argv));
  console.log(running.instructions);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void running.close().then(() => process.exit(0)));
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`nestjs-mcp-auth: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(error instanceof DevIdpUsageError ? 2 : 1);
});
