import { ConfigurableModuleBuilder } from '@nestjs/common';
import { MCP_AUTH_CONTROLLERS, MCP_AUTH_ENDPOINT_PATH, MCP_AUTH_STRATEGY_NAME } from './mcp-auth.constants.js';
import type { McpAuthOptions } from './mcp-auth.options.js';
import { createMcpEndpointController } from './transport/mcp-endpoint.controller.js';

/** Set when the module is imported (controllers' routes are fixed then), for `forRoot` and `forRootAsync` alike. */
export interface McpAuthModuleExtras {
  /** HTTP path of the MCP endpoint. Default `/mcp`. */
  path: string;
}

let instances = 0;

export const {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN: MCP_AUTH_MODULE_OPTIONS,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<McpAuthOptions>({ moduleName: 'McpAuth' })
  .setClassMethodName('forRoot')
  .setExtras<McpAuthModuleExtras>({ path: '/mcp' }, (definition, extras) => {
    // The protected resource metadata is served by middleware (McpAuthModule.configure), not by a controller.
    const controllers = [createMcpEndpointController(extras.path)];
    return {
      ...definition,
      // Global, so that providers of any module can inject what it exports (McpNotifier).
      global: true,
      controllers,
      providers: [
        ...(definition.providers ?? []),
        { provide: MCP_AUTH_CONTROLLERS, useValue: controllers },
        { provide: MCP_AUTH_ENDPOINT_PATH, useValue: extras.path },
        { provide: MCP_AUTH_STRATEGY_NAME, useValue: `mcp-auth-jwt-${++instances}` },
      ],
    };
  })
  .build();
