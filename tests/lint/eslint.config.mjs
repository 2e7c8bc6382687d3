// ESLint over every JavaScript file nook ships or runs (scripts/test.sh:
// `tests/lint/node_modules/.bin/eslint -c tests/lint/eslint.config.mjs .` from the root).
// The recommended rules; unused names starting with `_` (and caught errors) are allowed.
import js from '@eslint/js';
import globals from 'globals';

export default [
  {
    ignores: ['**/node_modules/**', 'pkg/dist/**', 'pkg-model/**', 'www/vendor/**', 'www/build/**', 'www/data/**', 'www/models/**',
      'tests/browser/.site/**', 'tests/packaging/.work/**', 'tests/e2e/.work/**', 'target/**', 'models/**', 'data/**', 'fuzz/**'],
  },
  js.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: 'module',
      globals: { ...globals.browser, ...globals.worker, ...globals.serviceworker, ...globals.node, chrome: 'readonly' },
    },
    rules: {
      'no-unused-vars': ['error', { args: 'after-used', argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
    },
  },
  {
    // Functions the Playwright tests run inside the page, which defines these.
    files: ['tests/**/*.mjs'],
    languageOptions: { globals: { Nook: 'readonly', assets: 'readonly', site: 'writable', db: 'writable', early: 'writable', earlyResult: 'writable' } },
  },
  {
    // The site benchmark's page functions (bench/browser/static-site.mjs): nook and Pagefind.
    files: ['bench/browser/static-site.mjs'],
    languageOptions: { globals: { Nook: 'readonly', assets: 'readonly', s: 'writable', pf: 'writable' } },
  },
];
