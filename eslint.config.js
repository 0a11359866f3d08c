// @ts-check
/**
 * The linter: ESLint's recommended rules and typescript-eslint's type-checked ones on every TypeScript file
 * (`npm run lint`, part of `npm test`). Formatting is Prettier's job (`npm run format`), so no rule here is about
 * layout.
 */
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'generated/', 'node_modules/', 'tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      eqeqeq: 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // This file itself is plain JavaScript outside the TypeScript project.
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // Tests read JSON bodies, logs and manifests whose shape the assertions themselves check: typing every one of
    // them would restate the schemas the tests compare against.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      // Tests assert that no control character reaches a log line or a refusal, which takes one in a pattern.
      'no-control-regex': 'off',
    },
  },
);
