import { defineConfig } from 'vitest/config';

/**
 * Four projects, split by what they need to run:
 * unit (pure logic), integration (the real node on 127.0.0.1 with werift clients),
 * e2e (the real node with real Chromium pages), packaging (electron-builder on the built app).
 * They run one file at a time: the machine has two cores and WebRTC timing suffers when tests
 * compete for them.
 */
export default defineConfig({
  test: {
    fileParallelism: false,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 10_000 } },
      {
        extends: true,
        test: { name: 'integration', include: ['test/integration/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 30_000 },
      },
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 60_000 } },
      // The packaged app (electron-builder --dir with a stub Electron; needs `npm run build` first).
      {
        extends: true,
        test: { name: 'packaging', include: ['test/packaging/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 240_000 },
      },
    ],
  },
});
