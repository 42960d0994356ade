import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildMessage, CpuMessage, MemoryMessage } from '../servers/child-protocol.js';
export { freePort } from '../../test/support/free-port.js';

/** The core benchmark servers are pinned to (the runner and its load generator take the other one). */
const SERVER_CORE = '1';
const RUNNER_CORE = '0';

/** The Node binary every benchmark process runs on: the runner's own. */
export const NODE_BINARY = process.execPath;

/** Whether `taskset` can pin processes here. */
export const canPin = (() => {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Pins the runner (and its in-process load generator) to its own core, away from the servers. */
export function pinRunner(): void {
  if (canPin) execFileSync('taskset', ['-pc', RUNNER_CORE, String(process.pid)], { stdio: 'ignore' });
}

/** A benchmark server running as a child process. */
export interface BenchServer {
  readonly url: string;
  /** Heap and RSS after a full GC in the server process. */
  memory(): Promise<MemoryMessage>;
  /** CPU time (user + system) the server process has used so far, in microseconds. */
  cpuMicros(): Promise<number>;
  /** Bytes the server has written to its standard output so far (drained by the runner, as a log collector would). */
  readonly stdoutBytes: () => number;
  stop(): Promise<void>;
}

/** Starts `bench/servers/<name>.js` (or the script at a path) pinned to the server core, and waits until it listens. */
export async function startServer(name: string, env: Record<string, string>): Promise<BenchServer> {
  const child = spawnPinned(name, env);
  let stdoutBytes = 0;
  child.stdout!.on('data', (chunk: Buffer) => (stdoutBytes += chunk.length));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 60 s`)), 60_000);
    child.once('exit', (code) => reject(new Error(`${name} exited with code ${code} before it was ready`)));
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'ready') {
        clearTimeout(timer);
        resolve(message.url);
      }
    });
  });
  child.removeAllListeners('exit');
  return {
    url,
    memory: () => ask<MemoryMessage>(child, 'memory'),
    cpuMicros: async () => (await ask<CpuMessage>(child, 'cpu')).micros,
    stdoutBytes: () => stdoutBytes,
    stop: () => stop(child),
  };
}

/** Runs the measuring child `bench/servers/<name>.js` pinned to the server core, and returns what it reports. */
export function runMeasurement(name: string, timeoutSeconds = 300): Promise<Record<string, number>> {
  const child = spawnPinned(name, {});
  child.stdout!.resume();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not finish within ${timeoutSeconds} s`));
    }, timeoutSeconds * 1000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with code ${code} without a result`));
    });
    child.on('message', (message: ChildMessage) => {
      if (message.type !== 'result') return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve(message.result);
    });
  });
}

function spawnPinned(name: string, env: Record<string, string>): ChildProcess {
  // A bare name is one of bench/servers; a path is any script speaking bench/servers/child-protocol.
  const script = name.includes('/') ? name : fileURLToPath(new URL(`../servers/${name}.js`, import.meta.url));
  // BENCH_CPU_PROF=<dir> writes a CPU profile of every child to <dir> (open it in Chrome DevTools).
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  // Every child runs on the runner's own Node binary (NODE_BINARY), so baseline, floors and library compare like for like.
  const node = [NODE_BINARY, '--expose-gc', ...profile, script];
  const [command, ...args] = canPin ? ['taskset', '-c', SERVER_CORE, ...node] : node;
  // Standard output goes to a pipe the runner drains, as a container runtime collects logs: writing to
  // a pipe costs what writing to /dev/null does not (the example's audit lines go there).
  return spawn(command, args, {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    env: { ...process.env, NODE_ENV: 'production', ...env },
  });
}

function ask<Answer extends ChildMessage>(child: ChildProcess, question: Answer['type']): Promise<Answer> {
  return new Promise((resolve) => {
    const onMessage = (message: ChildMessage) => {
      if (message.type !== question) return;
      child.off('message', onMessage);
      resolve(message as Answer);
    };
    child.on('message', onMessage);
    child.send(question);
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.send('exit');
  });
}
