import { Logger } from '@nestjs/common';
import type { ResolvedMcpAuthOptions } from '../../mcp-auth.options.js';
import { BearerTokenStrategy, NOT_MINE, looksLikeJwt } from '../bearer-token.strategy.js';
import type { BearerVerdict } from '../bearer-token.strategy.js';
import type { Challenges } from '../challenges.js';
import { admitKnownUser } from '../known-user.js';
import { TokenRejection } from '../token-rejection.js';
import { ApiKeyStore } from './api-key-store.js';
import type { ApiKeysOptions } from './api-keys.options.js';

/**
 * API keys as a Passport strategy, first in the chain: an opaque bearer value (not a
 * JWT) is looked up by hash in constant time. A JWT is left to the token strategies.
 */
export class ApiKeyStrategy extends BearerTokenStrategy {
  private readonly logger = new Logger('McpAuth');
  private readonly store: ApiKeyStore;

  constructor(
    name: string,
    apiKeys: ApiKeysOptions,
    private readonly options: ResolvedMcpAuthOptions,
    private readonly challenges: Challenges,
  ) {
    super(name);
    this.store = new ApiKeyStore(apiKeys, (message) => this.logger.error(message));
  }

  protected async verify(token: string): Promise<BearerVerdict> {
    // A JWT is left to the token strategies; with none configured, it is just a wrong key.
    if (looksLikeJwt(token) && this.options.issuers.length > 0) return NOT_MINE;
    const principal = await this.store.lookup(token);
    if (!principal) return new TokenRejection('unknown_api_key');
    return admitKnownUser(principal, this.options, this.challenges);
  }
}
