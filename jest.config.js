// Two projects: fast unit tests (STS mocked at the SDK level) and end-to-end tests that run the
// committed dist/ bundles as the runner does, against the loopback emulator and the AWS CLI.
const common = {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }]
  }
}

export default {
  // Two cores: the e2e suites spawn node and the AWS CLI, so more workers only contend.
  maxWorkers: 2,
  // End-to-end tests spawn node and the AWS CLI several times each.
  testTimeout: 60_000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/__tests__/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/__tests__/e2e/**/*.test.ts']
    }
  ]
}
