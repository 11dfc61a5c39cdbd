// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Modules that do I/O, keep clocks or randomness: none of them may be imported by the pure core. */
const ioModules = [
  'node:fs',
  'node:fs/promises',
  'node:net',
  'node:http',
  'node:https',
  'node:child_process',
  'node:process',
  'node:os',
  'node:crypto',
  'node:timers',
  'node:timers/promises',
  'kafkajs',
  '@influxdata/influxdb-client',
  'pino',
  'prom-client',
];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.services/', 'charts/', 'manifests/'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      // noUncheckedIndexedAccess is on; indexed reads proven in range are asserted with `!`.
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ioModules.map((name) => ({ name, message: 'src/core is pure: do I/O in src/shell.' })),
          patterns: [
            { group: ['**/shell/**'], message: 'src/core must not depend on the shell.' },
            {
              group: ['@kubernetes/client-node'],
              allowTypeImports: true,
              message: 'src/core may import client-node types only.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'src/core is pure: read the environment in src/shell.' },
        { name: 'fetch', message: 'src/core is pure: do I/O in src/shell.' },
        { name: 'setTimeout', message: 'src/core is pure: timers belong in src/shell.' },
        { name: 'setInterval', message: 'src/core is pure: timers belong in src/shell.' },
        { name: 'console', message: 'src/core is pure: log in src/shell.' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'src/core is pure: pass the time in.' },
        { object: 'Math', property: 'random', message: 'src/core is pure: pass randomness in.' },
      ],
    },
  },
);
