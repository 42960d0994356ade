import 'reflect-metadata';
import { ConsoleLogger } from '@nestjs/common';
import type { Provider } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { McpAuthModule } from '../mcp-auth.module.js';
import { startTestIdentityProvider } from '../testing/test-identity-provider.js';
import type { TestIdentityProvider } from '../testing/test-identity-provider.js';
import { EMPTY_CATALOGUE_WARNING } from './empty-catalogue.warning.js';
import { McpToolProvider } from './mcp-tool-provider.decorator.js';
import { McpTool } from './mcp-tool.decorator.js';

/** Keeps what the application logs as warnings, and prints nothing. */
class WarningLog extends ConsoleLogger {
  readonly warnings: string[] = [];
  override warn(message: unknown): void {
    this.warnings.push(String(message));
  }
  override log(): void {}
}

@McpToolProvider()
class PingTools {
  @McpTool({ name: 'ping', description: 'Answers pong' })
  ping() {
    return 'pong';
  }
}

class UnmarkedTools {
  @McpTool({ name: 'ping', description: 'Answers pong' })
  ping() {
    return 'pong';
  }
}

describe('EmptyCatalogueWarning', () => {
  let idp: TestIdentityProvider;
  beforeAll(async () => {
    idp = await startTestIdentityProvider();
  });
  afterAll(() => idp.close());

  const warningsAtStartup = async (providers: Provider[]): Promise<string[]> => {
    const moduleRef = await Test.createTestingModule({
      imports: [McpAuthModule.forRoot({ issuer: idp.issuer, resourceUrl: 'http://127.0.0.1/mcp' })],
      providers,
    }).compile();
    const logger = new WarningLog();
    const app = moduleRef.createNestApplication({ logger });
    await app.init();
    await app.close();
    return logger.warnings;
  };

  it('warns at startup when no tool, resource or prompt was discovered, naming the likely causes', async () => {
    const warnings = await warningsAtStartup([]);
    expect(warnings).toEqual([EMPTY_CATALOGUE_WARNING]);
    expect(EMPTY_CATALOGUE_WARNING).toMatch(/@McpProvider\(\)/);
    expect(EMPTY_CATALOGUE_WARNING).toMatch(/`providers`/);
  });

  it('warns when the provider lacks @McpProvider()', async () => {
    expect(await warningsAtStartup([UnmarkedTools])).toEqual([EMPTY_CATALOGUE_WARNING]);
  });

  it('stays silent when a provider declares a tool', async () => {
    expect(await warningsAtStartup([PingTools])).toEqual([]);
  });
});
