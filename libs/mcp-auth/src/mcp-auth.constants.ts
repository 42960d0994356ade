/** Injection token for the validated, fully resolved module options. */
export const MCP_AUTH_RESOLVED_OPTIONS = Symbol('mcp-auth:resolved-options');

/** Injection token for the name this module's Passport strategy is registered under. */
export const MCP_AUTH_STRATEGY_NAME = Symbol('mcp-auth:strategy-name');

/** Injection token for the controllers of one module instance (the endpoint and the metadata), for its middleware. */
export const MCP_AUTH_CONTROLLERS = Symbol('mcp-auth:controllers');

/** Injection token for the HTTP path of the MCP endpoint (fixed when the module is imported). */
export const MCP_AUTH_ENDPOINT_PATH = Symbol('mcp-auth:endpoint-path');

/** Metadata key: the class provides tools, resources or prompts (`@McpProvider()` / `@McpToolProvider()`). */
export const MCP_TOOL_PROVIDER_METADATA = 'mcp:tool-provider';

/** Metadata key: the method is a tool (`@McpTool()`). */
export const MCP_TOOL_METADATA = 'mcp:tool';

/** Metadata key: the method is a resource (`@McpResource()`). */
export const MCP_RESOURCE_METADATA = 'mcp:resource';

/** Metadata key: the method is a prompt (`@McpPrompt()`). */
export const MCP_PROMPT_METADATA = 'mcp:prompt';

/** Metadata key: scope requirements (`@RequireScopes()`), on a class or a method. */
export const MCP_SCOPES_METADATA = 'mcp:scopes';

/** Property of the HTTP request where the guard leaves the authenticated principal. */
export const PRINCIPAL_REQUEST_PROPERTY = 'user';

/** Injection token for the names of the Passport strategies the guard tries, in order. */
export const MCP_AUTH_STRATEGY_NAMES = Symbol('mcp-auth:strategy-names');
