import type { Provider } from '@nestjs/common';
import passport from 'passport';
import { MCP_AUTH_RESOLVED_OPTIONS, MCP_AUTH_STRATEGY_NAME, MCP_AUTH_STRATEGY_NAMES } from '../mcp-auth.constants.js';
import type { ResolvedMcpAuthOptions } from '../mcp-auth.options.js';
import { ApiKeyStrategy } from './api-keys/api-key.strategy.js';
import { Challenges } from './challenges.js';
import { IssuerRegistry } from './identity-providers/issuer-registry.js';
import { IntrospectionStrategy } from './introspection/introspection.strategy.js';
import { McpJwtStrategy } from './jwt.strategy.js';
import { RedisConnection } from '../redis/redis-connection.js';

const DEPENDENCIES = [MCP_AUTH_RESOLVED_OPTIONS, MCP_AUTH_STRATEGY_NAME, Challenges, IssuerRegistry];

/**
 * The Passport strategies of one module instance, each created only when configured,
 * and the order the guard tries them in: API keys (a local lookup), then introspection,
 * then JWTs. Each leaves credentials of another kind to the next, so the chain costs
 * at most one real check per request.
 */
export const credentialStrategyProviders: Provider[] = [
  {
    provide: McpJwtStrategy,
    inject: DEPENDENCIES,
    useFactory: (options: ResolvedMcpAuthOptions, name: string, challenges: Challenges, issuers: IssuerRegistry) =>
      issuers.verifiesJwts ? new McpJwtStrategy(options, name, challenges, issuers) : null,
  },
  {
    provide: ApiKeyStrategy,
    inject: DEPENDENCIES,
    useFactory: (options: ResolvedMcpAuthOptions, name: string, challenges: Challenges) =>
      options.apiKeys ? registered(new ApiKeyStrategy(`${name}:api-key`, options.apiKeys, options, challenges)) : null,
  },
  {
    provide: IntrospectionStrategy,
    inject: [...DEPENDENCIES, RedisConnection],
    useFactory: (
      options: ResolvedMcpAuthOptions,
      name: string,
      challenges: Challenges,
      issuers: IssuerRegistry,
      redis: RedisConnection,
    ) => {
      const introspected = options.issuers.flatMap((issuer) =>
        issuer.verification.kind === 'introspection' ? [{ ...issuer, introspection: issuer.verification.introspection }] : [],
      );
      if (introspected.length === 0) return null;
      const settings = { ...options, verifiesJwtsLocally: issuers.verifiesJwts };
      return registered(new IntrospectionStrategy(`${name}:introspection`, introspected, settings, challenges, redis));
    },
  },
  {
    provide: MCP_AUTH_STRATEGY_NAMES,
    inject: [ApiKeyStrategy, IntrospectionStrategy, McpJwtStrategy],
    useFactory: (apiKeys: ApiKeyStrategy | null, introspection: IntrospectionStrategy | null, jwt: McpJwtStrategy | null): string[] => [
      ...(apiKeys ? [apiKeys.name] : []),
      ...(introspection ? [introspection.name] : []),
      ...(jwt ? [jwt.strategyName] : []),
    ],
  },
];

function registered<T extends ApiKeyStrategy | IntrospectionStrategy>(strategy: T): T {
  passport.use(strategy.name, strategy);
  return strategy;
}
