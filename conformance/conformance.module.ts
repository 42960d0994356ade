import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { McpAuthModule } from 'nestjs-mcp-auth';
import { AskingFixtures } from './fixtures/asking-fixtures.js';
import { ContentTools } from './fixtures/content-tools.js';
import { PromptFixtures } from './fixtures/prompt-fixtures.js';
import { ResourceFixtures } from './fixtures/resource-fixtures.js';

/** Where the conformance server's tokens come from and where clients reach it. */
export interface ConformanceModuleOptions {
  /** The identity provider's issuer (its discovery document and keys are read from there). */
  readonly issuer: string;
  /** The endpoint's URL as the suite reaches it (through the token-adding proxy): the tokens' audience. */
  readonly resourceUrl: string;
}

/**
 * The conformance suite's fixture tools, resources and prompts behind the auth module, as
 * an application would serve its own: `McpAuthModule.forRoot(...)` and decorated providers,
 * nothing of the SDK's server API.
 */
@Module({})
export class ConformanceModule {
  static register({ issuer, resourceUrl }: ConformanceModuleOptions): DynamicModule {
    return {
      module: ConformanceModule,
      imports: [McpAuthModule.forRoot({ issuer, resourceUrl, server: { name: 'nestjs-mcp-auth-conformance', version: '1.0.0' } })],
      providers: [ContentTools, ResourceFixtures, PromptFixtures, AskingFixtures],
    };
  }
}
