import 'reflect-metadata';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ScopeSnapshot } from 'nestjs-mcp-auth';
import { bootstrap } from './main.js';

/**
 * `npm run scope-snapshot [-- <file>]`: starts the example as its environment configures it (on
 * a free port, the recorded snapshot not compared), writes which tools, resources and prompts
 * each scope opens to `<file>` (default `scope-snapshot.json`), and stops. Keep the file with the
 * release and point `MCP_SCOPE_SNAPSHOT_FILE` at it: the next release that widens a scope says so
 * at startup. See docs/enterprise-managed-authorization.md.
 */
export async function recordScopeSnapshot(file: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const server = await bootstrap(
    { ...env, PORT: '0', LOG_LEVEL: env.LOG_LEVEL ?? 'warn', MCP_SCOPE_SNAPSHOT_FILE: '', MCP_SCOPE_SNAPSHOT_ON_DRIFT: '' },
    { banner: false },
  );
  try {
    const path = resolve(file);
    await writeFile(path, server.app.get(ScopeSnapshot).json());
    return path;
  } finally {
    await server.close();
  }
}

const isEntryPoint = import.meta.url === `file://${process.argv[1]}`;
if (isEntryPoint) {
  recordScopeSnapshot(process.argv[2] ?? 'scope-snapshot.json').then(
    (path) => console.error(`Recorded the scope snapshot in ${path}`),
    (error: unknown) => {
      console.error(`Recording the scope snapshot failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
