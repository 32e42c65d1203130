import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The import rules of docs/architecture.md, as lint rules, so a new feature
 * cannot reach back up. Paths are relative imports; `(\.\./)+x/` is the folder
 * src/x seen from any depth.
 */
const FEATURE_NAMES = ['fault', 'vault', 'seed', 'events', 'webhooks', 'tenants', 'bus'];
const FEATURES = `(${FEATURE_NAMES.join('|')})`;
const ROOT_FILES = '(app\\.module|app\\.setup|main|openapi)';
const restrict = (...patterns) => ['error', { patterns: patterns.map(([regex, message]) => ({ regex, message })) }];
const NOT_OUTSIDE_SRC = ['^(\\.\\./)+((test|bench|scripts)/|ormconfig$)', 'src/ never imports tests, benchmarks, scripts or ormconfig.ts (every feature\'s entities, for the CLIs\' entry points).'];
// A feature's public surface is its index.ts: another feature imports `../events`, never a file inside events/.
const ONLY_PUBLIC_OF = (own) => [`^(\\.\\./)+(?!${own}/)${FEATURES}/`, `Features import each other only through the other feature's index.ts (e.g. '../events', not '../events/events.service'); export what others need there.`];
const NOT_ROOT = [`^(\\.\\./)+${ROOT_FILES}$`, 'Only main.ts and the AppModule wire the application; nothing imports them back.'];

// Each source file gets the rules of its folder and of its kind, combined in one block (flat config does not merge options of one rule).
const FOLDER_RULES = [
  {
    // The shared kernel: common may use the request context for request ids, nothing else of the service.
    folders: ['common'],
    patterns: [['^\\.\\./(?!logging/)', 'common/ is shared by everyone and imports no feature or infrastructure room.']],
  },
  {
    folders: ['config'],
    patterns: [['^\\.\\./(?!common/)', 'config/ reads the environment; it imports only common/.']],
  },
  {
    // Infrastructure serves features and never depends on one (features register their entities with TypeOrmModule.forFeature; src/entities.ts gathers them for the CLIs).
    folders: ['auth', 'database', 'health', 'jobs', 'kms', 'logging', 'rate-limit', 'tracing'],
    patterns: [[`^(\\.\\./)+${FEATURES}(/|$)`, 'Infrastructure (auth, common, config, database, health, jobs, kms, logging, rate-limit, tracing) never imports a feature.']],
  },
  {
    // Metrics are infrastructure too; their scrape-time gauges read one feature service (the open-stream count, EventStreamHub).
    folders: ['metrics'],
    patterns: [[`^(\\.\\./)+(?!events$)${FEATURES}(/|$)`, 'metrics/ never imports a feature, but for the open-stream count from events/ (its index.ts).']],
  },
  ...FEATURE_NAMES.map((feature) => ({ folders: [feature], patterns: [ONLY_PUBLIC_OF(feature)] })),
];
const KIND_RULES = [
  {
    // Inside a feature the request flows controller → service → repository → mapper/DTO, never back up.
    files: (dir) => [`src/${dir}/**/dto/**/*.ts`, `src/${dir}/**/entities/**/*.ts`, `src/${dir}/**/*.repository.ts`, `src/${dir}/**/*.mapper.ts`],
    patterns: [['\\.(service|controller|module)$', 'Repositories, entities, mappers and DTOs never import services, controllers or modules (the request path runs the other way).']],
  },
  {
    files: (dir) => [`src/${dir}/**/*.controller.ts`],
    patterns: [['\\.repository$', 'Controllers are HTTP only: they call a service, never a repository.']],
  },
];
const importRules = [
  { files: ['src/*.ts'], rules: { 'no-restricted-imports': restrict(NOT_OUTSIDE_SRC) } },
  ...FOLDER_RULES.flatMap(({ folders, patterns }) => {
    const dirs = folders.length === 1 ? folders[0] : `{${folders.join(',')}}`;
    const common = [NOT_OUTSIDE_SRC, NOT_ROOT, ...patterns];
    return [
      { files: [`src/${dirs}/**/*.ts`], rules: { 'no-restricted-imports': restrict(...common) } },
      ...KIND_RULES.map((kind) => ({ files: kind.files(dirs), rules: { 'no-restricted-imports': restrict(...common, ...kind.patterns) } })),
    ];
  }),
  // Benchmarks share the tests' helpers (free ports, the engines they start, HAProxy's configuration), never a test itself.
  { files: ['bench/**/*.ts'], rules: { 'no-restricted-imports': restrict(['^(\\.\\./)+test/(?!support/)', 'bench/ may import test/support/ (helpers and engines), never a spec.']) } },
  // Exceptions, last so they win: specs may use test helpers.
  { files: ['src/**/*.spec.ts'], rules: { 'no-restricted-imports': 'off' } },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.data/**', 'coverage/**', '**/*.js', '**/*.mjs', 'src/database/migrations/*-*.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-unsafe-function-type': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-extraneous-class': 'off',
    },
  },
  ...importRules,
  {
    files: ['test/**/*.ts', '**/*.spec.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
