import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'server/**/*.test.js'],
    exclude: ['e2e/**', 'node_modules/**', 'dist/**'],
    environment: 'node',
    restoreMocks: true,
    reporters: ['default', 'json'],
    outputFile: { json: '.e2e-results/vitest.json' },
  },
});
