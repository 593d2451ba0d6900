import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests each start their own local stack on free ports; running files in
    // parallel on 2 cores makes timing-based retry tests flaky, so files run one at a time.
    fileParallelism: false,
    pool: 'forks',
  },
});
