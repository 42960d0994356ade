import 'reflect-metadata';
import { jest } from '@jest/globals';
import { ConsoleLogger, Injectable, UseGuards } from '@nestjs/common';
import type { CanActivate, ExecutionContext, Provider } from '@nestjs/common';
import { ExternalContextCreator } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/internal';
import { Test } from '@nestjs/testing';
import * as v from 'valibot';
import { McpAuthGuard } from '../authentication/mcp-auth.guard.js';
import { PreAuthenticationLimitsGuard, PrincipalRateLimitGuard } from '../limits/request-limits.guards.js';
import { McpAuthModule } from '../mcp-auth.module.js';
import { McpAuthConfigurationError } from '../mcp-auth-configuration.error.js';
import { startTestIdentityProvider } from '../testing/test-identity-provider.js';
import type { TestIdentityProvider } from '../testing/test-identity-provider.js';
import { McpToolProvider } from '../tools/mcp-tool-provider.decorator.js';
import { McpTool } from '../tools/mcp-tool.decorator.js';
import { OriginGuard } from '../transport/origin.guard.js';
import { McpExecutionContext } from './mcp-execution-context.js';
import { McpArgs } from './mcp-param.decorators.js';

@Injectable()
class AllowGuard implements CanActivate {
  canActivate(): boolean {
    return true;
  }
}

@McpToolProvider()
class PlainTools {
  @McpTool({ name: 'plain' })
  plain() {
    return 'plain';
  }
}

@McpToolProvider()
class GuardedTools {
  @McpTool({ name: 'guarded' })
  @UseGuards(AllowGuard)
  guarded() {
    return 'guarded';
  }

  @McpTool({ name: 'decorated' })
  decorated(@McpArgs() args: object) {
    return args;
  }
}

@McpToolProvider()
class ValibotWithoutJsonSchema {
  @McpTool({ name: 'valibot_plain', input: v.object({ name: v.string() }) as never })
  plain() {
    return 'never listed';
  }
}

/** Prints nothing. */
class SilentLogger extends ConsoleLogger {
  override log(): void {}
  override warn(): void {}
  override error(): void {}
}

describe('McpMethodInvoker', () => {
  let idp: TestIdentityProvider;
  beforeAll(async () => {
    idp = await startTestIdentityProvider();
  });
  afterAll(() => idp.close());
  afterEach(() => jest.restoreAllMocks());

  const startup = async (providers: Provider[]) => {
    const moduleRef = await Test.createTestingModule({
      imports: [McpAuthModule.forRoot({ issuer: idp.issuer, resourceUrl: 'http://127.0.0.1/mcp' })],
      providers,
    }).compile();
    const app = moduleRef.createNestApplication({ logger: new SilentLogger() });
    try {
      await app.init();
    } finally {
      await app.close();
    }
  };

  it("builds Nest's pipeline once per method at startup, only for methods that declare enhancers or decorated parameters", async () => {
    const create = jest.spyOn(ExternalContextCreator.prototype, 'create');
    await startup([PlainTools, GuardedTools]);
    expect(create.mock.calls.map(([, , methodName]) => methodName).sort()).toEqual(['decorated', 'guarded']);
  });

  it('runs every method through the pipeline once the application has a global enhancer', async () => {
    const create = jest.spyOn(ExternalContextCreator.prototype, 'create');
    const moduleRef = await Test.createTestingModule({
      imports: [McpAuthModule.forRoot({ issuer: idp.issuer, resourceUrl: 'http://127.0.0.1/mcp' })],
      providers: [PlainTools],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: new SilentLogger() });
    app.useGlobalGuards(new AllowGuard());
    await app.init();
    await app.close();
    expect(create.mock.calls.map(([, , methodName]) => methodName)).toEqual(['plain']);
  });

  it('refuses at startup, in one line naming the tool, a schema that cannot describe itself as JSON Schema', async () => {
    const failure = startup([ValibotWithoutJsonSchema]);
    await expect(failure).rejects.toThrow(McpAuthConfigurationError);
    await expect(failure).rejects.toThrow(
      'McpAuthModule: option "@McpTool" ValibotWithoutJsonSchema.plain (tool "valibot_plain"): input: this valibot schema cannot ' +
        'describe itself as JSON Schema (no ~standard.jsonSchema); with Valibot, wrap it in toStandardJsonSchema() from @valibot/to-json-schema',
    );
  });
});

describe('on a context that is not an HTTP request', () => {
  const mcpContext = (): ExecutionContext => {
    const context = new ExecutionContextHost([{ text: 'args' }, {}]);
    context.setType('mcp');
    return context;
  };

  it("lets every call through the library's own HTTP guards (they ran on the request that carried it)", async () => {
    const none = null as never;
    const guards: CanActivate[] = [
      new McpAuthGuard(none, none, [], none, none, null, none),
      new PreAuthenticationLimitsGuard(none, none),
      new PrincipalRateLimitGuard(none),
      new OriginGuard(none),
    ];
    for (const guard of guards) expect(await guard.canActivate(mcpContext())).toBe(true);
  });

  it('McpExecutionContext.from refuses a context that is not an MCP call, naming its type', () => {
    const http = new ExecutionContextHost([{}, {}]);
    expect(() => McpExecutionContext.from(http)).toThrow('McpExecutionContext.from: not an MCP call (context type "http")');
    expect(() => McpExecutionContext.from(mcpContext())).toThrow(/not an MCP call/);
  });
});
