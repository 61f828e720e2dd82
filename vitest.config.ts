import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // sip.js's PEG parser, as the builds do (rollup.config.mjs): the unit tests run Voxline's own
    // grammar (src/sip/grammar), the one that ships, through test/sipjs-grammar.ts (which leaves
    // to the PEG only the rules of sip.js's API layer, the test beds' far end). Only sip.js's
    // relative import of it is aliased, so tests can still import the original by its path.
    alias: [{ find: /^\.\/pegjs\/dist\/grammar\.js$/, replacement: fileURLToPath(new URL('./test/sipjs-grammar.ts', import.meta.url)) }],
  },
  test: {
    // Processed by Vite (not loaded by Node as is), so that the alias above reaches its imports.
    server: { deps: { inline: ['sip.js'] } },
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'server/**/*.test.js'],
    exclude: ['e2e/**', 'node_modules/**', 'dist/**'],
    environment: 'node',
    restoreMocks: true,
    reporters: ['default', 'json'],
    outputFile: { json: '.e2e-results/vitest.json' },
  },
});
