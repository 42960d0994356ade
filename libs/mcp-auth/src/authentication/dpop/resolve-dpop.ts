import { McpAuthConfigurationError } from '../../mcp-auth-configuration.error.js';
import { positiveInteger } from '../../option-validation.js';
import { DPOP_ALGORITHMS, DPOP_MODES } from './dpop.options.js';
import type { DpopMode, McpDpopOptions, ResolvedDpopOptions } from './dpop.options.js';

const DEFAULT_MAX_PROOF_AGE_SECONDS = 60;
/** RFC 9449 §11.1 wants "a few seconds or minutes"; oidc-provider accepts five minutes. */
const MAX_PROOF_AGE_SECONDS = 300;
const DEFAULT_NONCE_LIFETIME_SECONDS = 300;
const MIN_NONCE_LIFETIME_SECONDS = 10;
const MIN_NONCE_SECRET_BYTES = 32;

/**
 * One issuer's DPoP mode (`issuers[0].dpop`), or `fallback` when it names none.
 * `option` names it in the error (`dpop.mode`, `issuers[1].dpop`).
 */
export function dpopMode(option: string, value: unknown, fallback: DpopMode): DpopMode {
  if (value === undefined) return fallback;
  if (!DPOP_MODES.includes(value as DpopMode)) {
    throw new McpAuthConfigurationError(
      option,
      `must be ${DPOP_MODES.map((mode) => `'${mode}'`).join(', ')} (got ${JSON.stringify(value)})`,
    );
  }
  return value as DpopMode;
}

/** The module-wide default mode (`dpop.mode`): what every issuer without its own `dpop` gets. */
export function defaultDpopMode(options: McpDpopOptions | undefined): DpopMode {
  checkObject(options);
  return dpopMode('dpop.mode', options?.mode, 'off');
}

/**
 * Validates `dpop` once at startup. `issuerModes` are the resolved issuers' modes: DPoP is
 * accepted when one of them allows it, and required (RFC 9728) when every one requires it.
 */
export function resolveDpop(options: McpDpopOptions | undefined, issuerModes: readonly DpopMode[]): ResolvedDpopOptions {
  checkObject(options);
  const algorithms = options?.algorithms ?? DPOP_ALGORITHMS;
  if (!Array.isArray(algorithms) || algorithms.length === 0 || algorithms.some((alg) => !DPOP_ALGORITHMS.includes(alg))) {
    throw new McpAuthConfigurationError(
      'dpop.algorithms',
      `must list asymmetric JWS algorithms from ${DPOP_ALGORITHMS.join(', ')} (never none or HS*; got ${JSON.stringify(algorithms)})`,
    );
  }
  const maxProofAgeSeconds = positiveInteger('dpop.maxProofAgeSeconds', options?.maxProofAgeSeconds, DEFAULT_MAX_PROOF_AGE_SECONDS);
  if (maxProofAgeSeconds > MAX_PROOF_AGE_SECONDS) {
    throw new McpAuthConfigurationError(
      'dpop.maxProofAgeSeconds',
      `must be at most ${MAX_PROOF_AGE_SECONDS}: a proof is meant for one request, now (got ${maxProofAgeSeconds})`,
    );
  }
  return {
    algorithms: [...new Set(algorithms)],
    maxProofAgeSeconds,
    ...(options?.nonce !== undefined ? { nonce: resolveNonce(options.nonce) } : {}),
    replayCacheMaxEntries: positiveInteger('dpop.replayCacheMaxEntries', options?.replayCacheMaxEntries, 100_000),
    accepted: issuerModes.some((mode) => mode !== 'off'),
    required: issuerModes.length > 0 && issuerModes.every((mode) => mode === 'required'),
  };
}

function resolveNonce(nonce: NonNullable<McpDpopOptions['nonce']>): NonNullable<ResolvedDpopOptions['nonce']> {
  if (typeof nonce !== 'object' || nonce === null) {
    throw new McpAuthConfigurationError('dpop.nonce', 'must be an object: { secret }');
  }
  const secrets = [nonce.secret].flat();
  if (secrets.length === 0 || secrets.some((secret) => typeof secret !== 'string' || Buffer.byteLength(secret) < MIN_NONCE_SECRET_BYTES)) {
    throw new McpAuthConfigurationError(
      'dpop.nonce.secret',
      `must be a string (or a list of strings) of at least ${MIN_NONCE_SECRET_BYTES} bytes, shared by every replica (e.g. \`openssl rand -base64 48\`)`,
    );
  }
  const lifetimeSeconds = positiveInteger('dpop.nonce.lifetimeSeconds', nonce.lifetimeSeconds, DEFAULT_NONCE_LIFETIME_SECONDS);
  if (lifetimeSeconds < MIN_NONCE_LIFETIME_SECONDS) {
    throw new McpAuthConfigurationError(
      'dpop.nonce.lifetimeSeconds',
      `must be at least ${MIN_NONCE_LIFETIME_SECONDS}: a client needs time to use the nonce it was given`,
    );
  }
  return { secrets: secrets.map((secret) => Buffer.from(secret, 'utf8')), lifetimeSeconds };
}

function checkObject(options: McpDpopOptions | undefined): void {
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
    throw new McpAuthConfigurationError('dpop', "must be an object, e.g. { mode: 'allowed' }");
  }
}
