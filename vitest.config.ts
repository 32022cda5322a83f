import { defineConfig } from 'vitest/config';

// Unit and numerics tests run twice: once on the tfjs cpu backend and once on webgpu (Dawn's Node
// bindings over Mesa's software Vulkan). Files that do not touch a backend run only in the cpu project.
const backendSensitive = ['test/model/**/*.test.ts', 'test/kernels/**/*.test.ts', 'test/engine/**/*.test.ts'];
// Checks of the WGSL kernels' own code paths (thread layouts, scratch placements): meaningful on webgpu only.
const webgpuOnly = ['test/kernels-webgpu/**/*.test.ts'];

// tfjs ships extensionless ESM imports that plain Node cannot resolve; let Vite transform them.
const server = { deps: { inline: [/@tensorflow/] } };

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      {
        test: {
          server,
          name: 'cpu',
          include: ['test/**/*.test.ts'],
          exclude: ['test/e2e/**', ...webgpuOnly],
          env: { KRU_BACKEND: 'cpu' },
          testTimeout: 120_000,
        },
      },
      {
        test: {
          server,
          name: 'webgpu',
          include: [...backendSensitive, ...webgpuOnly],
          env: { KRU_BACKEND: 'webgpu', XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' },
          testTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
