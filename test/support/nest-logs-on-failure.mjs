import { TestEnvironment } from 'jest-environment-node';

/** What test/support/held-back-logger.ts keeps the lines of the running test in (on the test's global object). */
const HELD_BACK_LINES = '__nestLogLinesOfTheRunningTest';

/**
 * The tests' environment: Node's, plus the Nest log lines held back by HeldBackLogger (installed by
 * test/support/quiet-known-warnings.ts), printed under a test that fails (or a hook that fails, with what its
 * setup logged) and dropped when it passes. A green run prints no Nest line; a red one shows them with the failure.
 */
export default class NestLogsOnFailure extends TestEnvironment {
  /**
   * The default audit sink writes its JSON lines straight to standard output (issue 23), past Nest's logger:
   * they are held back with the Nest lines of the running test. Anything else written there passes; a test
   * that spies on `process.stdout.write` (to read the audit lines) still sees them, its spy being outermost.
   */
  async setup() {
    await super.setup();
    const stdout = process.stdout;
    const write = stdout.write;
    this.restoreStdout = () => {
      stdout.write = write;
    };
    const held = () => (this.global[HELD_BACK_LINES] ??= []);
    stdout.write = function (chunk, ...rest) {
      const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : undefined;
      if (text === undefined || !text.startsWith('{"level":') || !text.includes('"context":"McpAuthAudit"')) {
        return write.call(this, chunk, ...rest);
      }
      held().push(...text.trimEnd().split('\n'));
      const callback = rest.find((argument) => typeof argument === 'function');
      if (callback) process.nextTick(callback);
      return true;
    };
  }

  async teardown() {
    this.restoreStdout?.();
    await super.teardown();
  }

  handleTestEvent(event) {
    const lines = this.global[HELD_BACK_LINES];
    if (!lines) return;
    if (event.name === 'test_done' && event.test.errors.length > 0) this.print(`"${fullName(event.test)}" failed`, lines);
    else if (event.name === 'hook_failure') this.print(`a ${event.hook.type} hook failed`, lines);
    if (event.name === 'test_done' || event.name === 'hook_failure') lines.length = 0;
  }

  print(what, lines) {
    if (lines.length === 0) return;
    process.stderr.write(`\nNest logged before ${what}:\n${lines.map((line) => `  ${line}`).join('\n')}\n`);
  }
}

function fullName(test) {
  const names = [];
  for (let block = test; block && block.name !== 'ROOT_DESCRIBE_BLOCK'; block = block.parent) names.unshift(block.name);
  return names.join(' › ');
}
