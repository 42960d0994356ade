/** Jest runs the TypeScript sources as ES modules through SWC (decorator metadata included). */
const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2023',
    keepClassNames: true,
  },
  sourceMaps: 'inline',
};

export default {
  // Node's, with the Nest log lines of a test shown only when it fails (test/support/held-back-logger.ts).
  testEnvironment: '<rootDir>/test/support/nest-logs-on-failure.mjs',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', swc],
    // jwks-rsa (CommonJS) require()s jose, and @nestjs/throttler (CommonJS) require()s @nestjs/common;
    // both are ESM-only. Node 22 can require(esm); Jest's module runtime cannot before Node 24.9 (on 22 it
    // fails with "Must use import to load ES Module"), so they are compiled to CommonJS when they are
    // required (and left ESM when imported).
    '^.+/node_modules/(jose|@nestjs/common)/.+\\.js$': ['@swc/jest', { jsc: { target: 'es2023' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/|@nestjs/common/)'],
  moduleNameMapper: {
    '^nestjs-mcp-auth$': '<rootDir>/libs/mcp-auth/src/index.ts',
    '^nestjs-mcp-auth/testing$': '<rootDir>/libs/mcp-auth/src/testing/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  roots: ['<rootDir>/libs/mcp-auth/src', '<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
  setupFiles: ['<rootDir>/test/support/quiet-known-warnings.ts'],
  testTimeout: 30000,
};
