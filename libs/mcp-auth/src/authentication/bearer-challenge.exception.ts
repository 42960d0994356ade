import { HttpException } from '@nestjs/common';
import type { BearerChallenge } from './www-authenticate.js';
import { formatBearerChallenge } from './www-authenticate.js';

/**
 * A refusal that carries its own `WWW-Authenticate` challenge. Thrown by the guard and
 * the endpoint; rendered by {@link BearerChallengeFilter} as status + header + JSON body.
 */
export class BearerChallengeException extends HttpException {
  readonly wwwAuthenticate: string;

  constructor(
    status: 400 | 401 | 403,
    readonly challenge: BearerChallenge,
  ) {
    super(
      {
        error: challenge.error ?? 'unauthorized',
        error_description: challenge.errorDescription ?? defaultDescription(status),
        ...(challenge.scope?.length ? { scope: challenge.scope.join(' ') } : {}),
      },
      status,
    );
    this.wwwAuthenticate = formatBearerChallenge(challenge);
  }
}

function defaultDescription(status: number): string {
  return status === 401 ? 'An access token is required' : 'The request was refused';
}
