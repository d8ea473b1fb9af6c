// typescript-eslint's recommended, type-checked rules over the whole repo, the studio (ui/, its own tsconfig)
// included. `npm test` runs it before the tests (`npm run check`).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // ui/typings/*.d.ts are the code editor's typings for node code, loaded as text, never compiled.
  { ignores: ['dist/', 'ui/dist/', '**/node_modules/', 'ui/typings/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // `const { dropped: _dropped, ...kept } = value` is how a field is left out: named, and never used.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      // A variable assigned once, but read by a closure made before that (a query handler), stays `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Methods that implement an async interface (stores, stubs, callbacks) stay async without awaiting anything.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Runs inside the isolate on the user's values (untyped by nature), and captures builtins unbound on purpose:
    // they are called through Reflect.apply, so code in the isolate cannot replace them.
    files: ['sandbox/runtime.ts', 'sandbox/bridges/isolate/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-base-to-string': 'off',
    },
  },
  {
    // Tests read HTTP answers and documents as untyped JSON and assert on their fields; typing each answer would
    // only restate what the assertions check.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-base-to-string': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
      '@typescript-eslint/restrict-plus-operands': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: 'commonjs',
      globals: { module: 'writable', require: 'readonly', __dirname: 'readonly' },
    },
  },
  { files: ['eslint.config.mjs'], languageOptions: { sourceType: 'module' } },
);
