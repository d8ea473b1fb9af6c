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
    },
  },
  {
    // Tests read HTTP answers and documents as untyped JSON and assert on their fields; typing each answer would
    // only restate what the assertions check.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly', __dirname: 'readonly' } },
  },
);
