// ESLint flat config: typescript-eslint's recommended rules (no type information,
// so `npm run lint` stays fast; `npm run typecheck` does the type checking), plus
// the layers of the house (docs/architecture.md), enforced here so that an upward
// import or an import cycle fails `npm test` (test/lint-layers.test.ts plants both).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

/**
 * The layers, from the top down: each may import only what stands below it.
 *   app/                composition root and the HTTP API: everything below
 *   jobs/               Agenda jobs: slack/, connectors/, src/
 *   slack/              the Bolt app: connectors/, src/
 *   connectors/         QuickBooks and Xero: src/
 *   src/                the core; src/engine and src/domain import nothing outside themselves
 * scripts/, bench/ and test/ stand beside the top and may import anything.
 */
const below = (target, ...forbidden) => forbidden.map((from) => ({ target, from, message: `${target} stands below ${from}: an import from it runs up the layers (docs/architecture.md).` }));

export const layerZones = [
  ...below('./src', './app', './jobs', './slack', './connectors', './scripts', './bench', './test'),
  ...below('./connectors', './app', './jobs', './slack', './scripts', './bench', './test'),
  ...below('./slack', './app', './jobs', './scripts', './bench', './test'),
  ...below('./jobs', './app', './scripts', './bench', './test'),
  ...below('./app', './scripts', './bench', './test'),
  {
    target: './src/engine',
    from: './',
    except: ['./src/engine', './src/domain', './node_modules'],
    message: 'src/engine imports nothing outside src/engine and src/domain (it is pure).',
  },
  {
    target: './src/domain',
    from: './',
    except: ['./src/domain', './node_modules'],
    message: 'src/domain imports nothing outside itself.',
  },
];

/** Selectors for module-level mutable state (see the block that uses them below). */
const NO_MODULE_STATE = [
  { selector: 'Program > VariableDeclaration[kind=/^(let|var)$/]', message: 'No module-level let/var: pass state and dependencies explicitly (the services object, app/services.ts).' },
  { selector: 'Program > ExportNamedDeclaration > VariableDeclaration[kind=/^(let|var)$/]', message: 'No module-level let/var: pass state and dependencies explicitly (the services object, app/services.ts).' },
  {
    selector: 'Program > VariableDeclaration > VariableDeclarator > NewExpression.init[callee.name=/^(Weak)?Map$/]',
    message: 'No module-level Map/WeakMap registry: put what it carries in the services object (app/services.ts), or keep a cache inside the object that uses it.',
  },
  {
    selector: 'Program > ExportNamedDeclaration > VariableDeclaration > VariableDeclarator > NewExpression.init[callee.name=/^(Weak)?Map$/]',
    message: 'No module-level Map/WeakMap registry: put what it carries in the services object (app/services.ts), or keep a cache inside the object that uses it.',
  },
];

/** Intl formatter caches keyed by time zone or locale, allowed a top-level Map (see below). */
const MEMO_CACHES = ['src/domain/calendar.ts', 'src/documents/format.ts', 'src/domain/locale.ts'];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.tools/', '.data/', 'demo-output/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  // No module-level mutable state in the service's code: dependencies travel in the services object that the
  // composition root (app/services.ts) builds, never through a module-level registry (a top-level `let`/`var`
  // set by a `setX()`, or a top-level Map/WeakMap keyed by the store). test/lint-rules.test.ts plants one.
  {
    files: ['app/**/*.ts', 'src/**/*.ts', 'jobs/**/*.ts', 'slack/**/*.ts', 'connectors/**/*.ts'],
    ignores: ['**/*.test.ts', ...MEMO_CACHES],
    rules: { 'no-restricted-syntax': ['error', ...NO_MODULE_STATE] },
  },
  {
    // Intl formatter caches (one Intl.DateTimeFormat / NumberFormat per zone or locale): keyed by immutable
    // input, never written from outside, so what they hold cannot change any answer. They may keep their
    // top-level Map; a top-level `let` is still refused.
    files: MEMO_CACHES,
    rules: { 'no-restricted-syntax': ['error', ...NO_MODULE_STATE.filter((r) => r.selector.includes('VariableDeclaration[kind'))] },
  },
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/extensions': ['.ts', '.js'],
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { zones: layerZones }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', process: 'readonly', console: 'readonly', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
