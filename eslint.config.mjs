import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'out/',
      'test/bench/out/',
      'test/e2e/screenshots/',
      '.vscode-test/',
      'test/.tmp/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
      eqeqeq: ['error', 'smart'],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['media/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // The architecture rule: logic never imports vscode. Only adapters (listed by folder) may.
    files: ['src/**/*.ts'],
    ignores: [
      'src/extension.ts',
      'src/settings.ts',
      'src/secrets.ts',
      'src/statusBar.ts',
      'src/**/vscode/**',
      'src/**/*.vscode.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'vscode',
              message: 'Logic modules stay vscode-free: put editor code in a *.vscode.ts adapter.',
            },
          ],
        },
      ],
    },
  },
);
