/**
 * Two projects, one command (`npm test`):
 * - unit: *.spec.ts beside the code;
 * - e2e:  test/*.e2e-spec.ts through real HTTP against the app and a real PostgreSQL
 *         (the embedded one, or DATABASE_URL when set), each run in a fresh database.
 * The Swagger CLI plugin runs as a ts-jest transformer, as it does in `nest build`,
 * so the OpenAPI document generated in tests is the one the service serves.
 */
const transform = {
  '^.+\\.ts$': [
    'ts-jest',
    {
      tsconfig: 'tsconfig.json',
      diagnostics: false,
      astTransformers: { before: ['<rootDir>/test/support/swagger-plugin-transformer.js'] },
    },
  ],
};

module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      rootDir: __dirname,
      roots: ['<rootDir>/src', '<rootDir>/scripts'],
      testMatch: ['**/*.spec.ts'],
      transform,
      globalSetup: '<rootDir>/test/support/unit-global-setup.ts',
      globalTeardown: '<rootDir>/test/support/unit-global-teardown.ts',
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      rootDir: __dirname,
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.e2e-spec.ts'],
      transform,
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      setupFiles: ['<rootDir>/test/support/env.ts'],
    },
  ],
  // A global option: jest ignores it inside a project.
  testTimeout: 60000,
  // pg-boss leaves a loop watching its workers stop after stop() resolves, which nothing can await;
  // once every suite passed and the global teardown ran, such a loop must not hold the run open.
  forceExit: true,
};
