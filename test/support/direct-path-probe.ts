import { ModernDirectPath } from '../../libs/mcp-auth/src/transport/modern-direct-path.js';
import type { LibraryApp } from './library-app.js';

/** Which way the endpoint's last call into the direct path went: `sdk` also when it was never asked (refused before). */
export interface PathProbe {
  /** Forces the next request to the SDK's handler. */
  forceSdk: boolean;
  last: 'direct' | 'sdk';
  /** How many requests the direct path answered so far. */
  directAnswers: number;
  restore(): void;
}

/** Watches (and, for the SDK's leg, switches off) the application's own direct path; nothing else is replaced. */
export function probe(direct: ModernDirectPath): PathProbe {
  const original = direct.serve;
  const state: PathProbe = {
    forceSdk: false,
    last: 'sdk',
    directAnswers: 0,
    restore: () => void (direct.serve = original),
  };
  direct.serve = function (this: ModernDirectPath, ...args: Parameters<ModernDirectPath['serve']>) {
    if (state.forceSdk) return false;
    const served = original.apply(this, args);
    state.last = served ? 'direct' : 'sdk';
    if (served) state.directAnswers++;
    return served;
  };
  return state;
}

/** The probe on a library app's own direct path. */
export function probeDirectPath(app: LibraryApp): PathProbe {
  return probe(app.app.get(ModernDirectPath, { strict: false }));
}

/** The two ways a modern request may be answered: the direct path, or the SDK's `createMcpHandler`. */
export type ModernPath = 'direct' | 'sdk';
export const MODERN_PATHS: readonly ModernPath[] = ['direct', 'sdk'];
