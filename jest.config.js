const { existsSync } = require('node:fs');
const { join } = require('node:path');

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['app', 'src', 'connectors', 'jobs', 'slack', 'test'].filter((d) => existsSync(join(__dirname, d))).map((d) => `<rootDir>/${d}`),
  testMatch: ['**/*.test.ts'],
  // TypeScript and the ESM-only packages (agenda; pdfjs-dist, with which the tests
  // read the PDFs they build) are compiled to CommonJS by swc;
  // type errors are reported by `npm run typecheck`, not here.
  transform: {
    '^.+\\.(t|j|mj)s$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(agenda|@agendajs|pdfjs-dist)/)'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  globalSetup: '<rootDir>/test/global-setup.js',
  globalTeardown: '<rootDir>/test/global-teardown.js',
  testTimeout: 30000,
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
  // Agenda 6 leaves timers behind after stop() (its in-flight lock polling), which
  // would keep jest waiting forever once the suite is done.
  forceExit: true,
};
