import { McpAuthConfigurationError } from '../../mcp-auth-configuration.error.js';
import { DPOP_ALGORITHMS } from './dpop.options.js';
import { defaultDpopMode, dpopMode, resolveDpop } from './resolve-dpop.js';

describe('resolveDpop', () => {
  it('is off by default, with every asymmetric algorithm, a 60 s window and no nonces', () => {
    expect(defaultDpopMode(undefined)).toBe('off');
    expect(resolveDpop(undefined, ['off'])).toEqual({
      algorithms: DPOP_ALGORITHMS,
      maxProofAgeSeconds: 60,
      replayCacheMaxEntries: 100_000,
      accepted: false,
      required: false,
    });
  });

  it('is accepted when one issuer allows it, required only when every issuer requires it', () => {
    expect(resolveDpop({}, ['off', 'allowed'])).toMatchObject({ accepted: true, required: false });
    expect(resolveDpop({}, ['required', 'allowed'])).toMatchObject({ accepted: true, required: false });
    expect(resolveDpop({}, ['required', 'required'])).toMatchObject({ accepted: true, required: true });
    expect(resolveDpop({}, [])).toMatchObject({ accepted: false, required: false });
  });

  it.each([
    [
      'a mode that is not one',
      () => dpopMode('issuers[0].dpop', 'on', 'off'),
      /option "issuers\[0\]\.dpop" must be 'off', 'allowed', 'required'/,
    ],
    ['a symmetric algorithm', () => resolveDpop({ algorithms: ['HS256' as never] }, ['allowed']), /dpop\.algorithms/],
    ['none', () => resolveDpop({ algorithms: ['none' as never] }, ['allowed']), /dpop\.algorithms/],
    ['an empty algorithm list', () => resolveDpop({ algorithms: [] }, ['allowed']), /dpop\.algorithms/],
    [
      'a window over five minutes',
      () => resolveDpop({ maxProofAgeSeconds: 301 }, ['allowed']),
      /"dpop.maxProofAgeSeconds" must be at most 300/,
    ],
    ['a short nonce secret', () => resolveDpop({ nonce: { secret: 'short' } }, ['allowed']), /"dpop.nonce.secret" must be a string/],
    [
      'a nonce lifetime under 10 s',
      () => resolveDpop({ nonce: { secret: 'x'.repeat(32), lifetimeSeconds: 5 } }, ['allowed']),
      /lifetimeSeconds/,
    ],
    ['dpop that is not an object', () => defaultDpopMode('allowed' as never), /option "dpop" must be an object/],
  ])('refuses %s at startup, naming the option', (_case, resolve, message) => {
    expect(resolve).toThrow(McpAuthConfigurationError);
    expect(resolve).toThrow(message);
  });

  it('keeps the nonce secrets (rotation: the first mints) and their lifetime', () => {
    const resolved = resolveDpop({ nonce: { secret: ['n'.repeat(32), 'o'.repeat(40)], lifetimeSeconds: 120 } }, ['allowed']);
    expect(resolved.nonce).toEqual({ secrets: [Buffer.from('n'.repeat(32)), Buffer.from('o'.repeat(40))], lifetimeSeconds: 120 });
  });
});
