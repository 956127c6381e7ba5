// ESLint flat config: typescript-eslint's recommended rules (no type information,
// so `npm run lint` stays fast; `npm run typecheck` does the type checking).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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

/** Pure functions' memo caches, allowed a top-level Map/WeakMap (see below). */
const MEMO_CACHES = ['src/engine/policy.ts', 'src/engine/decide.ts', 'src/outbox/safety.ts', 'src/domain/calendar.ts', 'src/documents/format.ts'];

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
    // The memo caches of pure functions (a compiled policy per policy object, a formatter per time zone): keyed
    // by immutable input, never written from outside, so what they hold cannot change any answer. They may keep
    // their top-level Map/WeakMap; a top-level `let` is still refused.
    files: MEMO_CACHES,
    rules: { 'no-restricted-syntax': ['error', ...NO_MODULE_STATE.filter((r) => r.selector.includes('VariableDeclaration[kind'))] },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', process: 'readonly', console: 'readonly', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
