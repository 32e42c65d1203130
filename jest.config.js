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

/**
 * Suites that measure time, memory or latency, or load the machine on purpose: they run one at a
 * time (project e2e-serial, `--runInBand`) after the others, so nothing else disturbs them. The
 * other end-to-end suites may run in parallel workers (JEST_MAX_WORKERS, e.g. 3 on a machine with
 * cores to spare): each works in tenants of its own. On the two-core CI machine one worker is the
 * default, since several workers there only trade the same CPU time for more timing noise.
 */
const SERIAL = [
  '<rootDir>/test/reliability/',
  '<rootDir>/test/auth-jwks.e2e-spec.ts',
  '<rootDir>/test/ctrl-c.e2e-spec.ts',
  '<rootDir>/test/startup-failures.e2e-spec.ts',
  '<rootDir>/test/config-errors.e2e-spec.ts',
  '<rootDir>/test/bench',
  '<rootDir>/test/fault-intelligence/analytics',
];

const e2e = {
  testEnvironment: 'node',
  rootDir: __dirname,
  roots: ['<rootDir>/test'],
  transform,
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  setupFiles: ['<rootDir>/test/support/env.ts'],
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
    { ...e2e, displayName: 'e2e', testMatch: ['**/*.e2e-spec.ts'], testPathIgnorePatterns: ['/node_modules/', ...SERIAL] },
    { ...e2e, displayName: 'e2e-serial', testMatch: SERIAL.map((p) => (p.endsWith('/') ? `${p}**/*.e2e-spec.ts` : p.endsWith('.ts') ? p : `${p}*.e2e-spec.ts`)) },
  ],
  // Global options: jest ignores them inside a project.
  testTimeout: 60000,
  // Workers for the unit and e2e projects (JEST_MAX_WORKERS; 1 on two cores); e2e-serial always runs with --runInBand.
  maxWorkers: Number(process.env.JEST_MAX_WORKERS ?? 1),
  // pg-boss leaves a loop watching its workers stop after stop() resolves, which nothing can await;
  // once every suite passed and the global teardown ran, such a loop must not hold the run open.
  forceExit: true,
};
