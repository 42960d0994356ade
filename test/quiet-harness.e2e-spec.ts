import { jest } from '@jest/globals';
import { heldBackLines } from './support/held-back-logger.js';
import { post, rpc, startHarness } from './support/harness.js';

/**
 * A green run prints nothing but its summary (issue 20): the example's Nest lines are held back. The default
 * audit sink (issue 23) writes standard output itself, following Nest's levels: an example started by the tests
 * at `LOG_LEVEL=warn` must write no audit line, and its listening line is held back with the others.
 */
describe('the tests’ example prints nothing of its own', () => {
  it.each(['warn', 'log'])(
    'at LOG_LEVEL=%s: its listening line held back, and (below log) no audit line on standard output',
    async (level) => {
      const written: string[] = [];
      const heldBefore = heldBackLines().length;
      const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
        written.push(String(chunk));
        return true;
      });
      try {
        const h = await startHarness({ LOG_LEVEL: level, MCP_STATELESS: 'true' });
        try {
          const response = await post(h.resourceUrl, rpc.callTool('whoami'), { token: await h.token('demo-reader') });
          expect(response.status).toBe(200);
          await response.text();
          await new Promise((resolve) => setImmediate(resolve));
        } finally {
          await h.close();
        }
        const held = heldBackLines().slice(heldBefore).join('\n');
        if (level === 'warn') {
          expect(written.join('')).toBe('');
          expect(held).not.toContain('Listening on');
        } else {
          // At `log` the audit lines are the example's output (the example-enhancers suite reads them); Nest's lines are held back.
          expect(written.join('')).not.toContain('Listening on');
          expect(held).toContain('Listening on');
        }
      } finally {
        write.mockRestore();
      }
    },
  );
});
