// ESLint runs for one job only (`npm run lint:console`, part of `npm test`): no stray console output
// from the SDK. Everything it logs goes through src/logger.ts, whose console sink is the single
// place allowed to touch the console, with an inline `eslint-disable-next-line` saying so.
// Formatting and the rest are left to TypeScript and review; add rules here deliberately.
import tsParser from '@typescript-eslint/parser';

const message = 'log through the logger (src/logger.ts) instead: the SDK never writes to the console directly';

export default [
  {
    files: ['src/**/*.ts'],
    languageOptions: { parser: tsParser, sourceType: 'module' },
    // A disable comment that no longer suppresses anything is an error, so exceptions cannot pile up.
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      'no-console': 'error',
      // no-console sees only the global `console`; these catch the same through a global object.
      'no-restricted-properties': ['error', ...['globalThis', 'window', 'self', 'global'].map((object) => ({ object, property: 'console', message }))],
    },
  },
];
