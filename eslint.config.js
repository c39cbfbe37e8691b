// typescript-eslint strict + stylistic, type-checked through the project service; Prettier owns formatting.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'packages/wire/src/gen/**', 'bench/results/**', 'hangar-data/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  ...tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Template literals with numbers are how messages get their figures.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      // `void promise` marks fire-and-forget on purpose.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // node:test's it/describe return promises the runner tracks itself.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['it', 'describe', 'test', 'suite', 'before', 'after'] }],
        },
      ],
    },
  },
  {
    // Only the wire package knows where the SDK keeps its generated code; features reach messages through
    // @hangar/wire, and only their rpc/convert files and the SDK may.
    files: ['packages/**/*.ts'],
    ignores: ['packages/wire/**', 'packages/testing/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [{ name: '@viamrobotics/sdk', message: 'import messages from @hangar/wire' }] }] },
  },
  {
    files: ['packages/server/src/**/*.service.ts', 'packages/server/src/**/*.service.*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['@hangar/wire', '@viamrobotics/sdk', '@connectrpc/connect', '@bufbuild/protobuf'],
          patterns: ['*.rpc.js', '*.convert.js'],
        },
      ],
    },
  },
  {
    files: ['packages/sdk/**/*.ts', 'packages/cli/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: ['@hangar/store', '@hangar/domain', '@viamrobotics/sdk'] }] },
  },
  {
    files: ['packages/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['@hangar/*', 'kysely', 'pg', 'better-sqlite3', '@connectrpc/*', '@bufbuild/*'] }],
    },
  },
  {
    files: ['**/*.test.ts', 'bench/**/*.ts', 'scripts/**'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      // Tests guard optional wire fields on purpose, so a regression reads as a failed assertion, not a crash.
      '@typescript-eslint/no-unnecessary-condition': 'off',
    },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  { files: ['scripts/**/*.mjs'], languageOptions: { globals: { process: 'readonly', console: 'readonly' } } },
);
