import { HttpException } from '@nestjs/common';
import type { BearerChallenge, SchemeChallenge } from './www-authenticate.js';
import { BEARER_ONLY, formatChallenges } from './www-authenticate.js';

/**
 * A refusal that carries its own `WWW-Authenticate` challenge (one per accepted scheme, see
 * `formatChallenges`) and any other header it needs (`DPoP-Nonce`). Thrown by the guard and
 * the endpoint; rendered by {@link BearerChallengeFilter} as status + headers + JSON body.
 */
export class BearerChallengeException extends HttpException {
  readonly wwwAuthenticate: string;

  constructor(
    status: 400 | 401 | 403,
    readonly challenge: BearerChallenge,
    schemes: readonly SchemeChallenge[] = BEARER_ONLY,
    /** Headers sent with the refusal besides `WWW-Authenticate` (RFC 9449 §9: `DPoP-Nonce`). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(
      {
        error: challenge.error ?? 'unauthorized',
        error_description: challenge.errorDescription ?? defaultDescription(status),
        ...(challenge.scope?.length ? { scope: challenge.scope.join(' ') } : {}),
      },
      status,
    );
    this.wwwAuthenticate = formatChallenges(challenge, schemes);
  }
}

function defaultDescription(status: number): string {
  return status === 401 ? 'An access token is required' : 'The request was refused';
}
