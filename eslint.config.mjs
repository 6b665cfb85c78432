// ESLint flat config: typescript-eslint's recommended rules (not type-checked, for speed) for sources and tests,
// plus @vitest/eslint-plugin's recommended rules for test/. Each rule turned off or tuned says why.
import vitest from '@vitest/eslint-plugin';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdktf.out/', 'dist/', 'coverage/', '.terraform/', 'facts/'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      // a leading underscore marks a binding kept on purpose (a destructured field left out, an interface parameter)
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
    },
  },
  {
    // the CommonJS launchers (bin/*.cjs, bench/*.cjs) load their modules with require() by design
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['test/**/*.ts'],
    ...vitest.configs.recommended,
    rules: {
      ...vitest.configs.recommended.rules,
      // fast-check's fc.assert throws on a counterexample: it asserts
      'vitest/expect-expect': ['error', { assertFunctionNames: ['expect', 'fc.assert', 'expectLeft', 'expectResource'] }],
      'vitest/valid-title': 'error',
      'vitest/no-identical-title': 'error',
      // vitest's expect(value, message) takes the failure message as a second argument
      'vitest/valid-expect': ['error', { maxArgs: 2 }],
      // table-driven tests assert per case (if the case has X, expect Y); expect-expect still catches a test that asserts nothing
      'vitest/no-conditional-expect': 'off',
      // tests walk synthesized Terraform JSON, whose shape the typed bindings do not describe
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
);
