/**
 * Importing @sochdb/core loads no Node built-in: an application that uses
 * the manager bundles for the browser with no shims. Checked with esbuild on
 * the built package, installed in an application folder as npm would.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const coreDir = fileURLToPath(new URL('..', import.meta.url));
let app: string;

beforeAll(() => {
  app = mkdtempSync(join(tmpdir(), 'sochdb-browser-app-'));
  mkdirSync(join(app, 'node_modules', '@sochdb'), { recursive: true });
  symlinkSync(coreDir, join(app, 'node_modules', '@sochdb', 'core'), 'dir');
  writeFileSync(
    join(app, 'main.js'),
    `import { PluginManager, NullObservability, isKernelError, KernelError } from '@sochdb/core';
const seen = [];
const pm = new PluginManager({ onError: (error, where) => seen.push(where.operation) });
await pm.register(new NullObservability());
await pm.register({
  info: { name: 'page-metrics', version: '1.0.0', description: '', author: '', capabilities: ['observability'] },
  counterInc: (name, value) => seen.push(name + '=' + value),
  gaugeSet() {}, histogramObserve() {}, spanStart: () => 1, spanEnd() {}, spanEvent() {},
});
pm.counterInc('clicks', 2);
pm.counterInc('clicks', '3');
await pm.shutdownAll();
globalThis.result = { seen, kernel: isKernelError(new KernelError('io', 'X', 'm')) };
`,
  );
});

afterAll(() => {
  rmSync(app, { recursive: true, force: true });
});

describe('a browser bundle of an application using the manager', () => {
  it('builds with esbuild for the browser platform, without shims, and runs where there is no process', async () => {
    const result = await build({
      absWorkingDir: app,
      entryPoints: ['main.js'],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
      metafile: true,
    });
    expect(result.errors).toEqual([]);
    const inputs = Object.keys(result.metafile?.inputs ?? {});
    expect(inputs.some((input) => input.startsWith('node:'))).toBe(false);
    const code = result.outputFiles[0]?.text ?? '';
    expect(code).not.toMatch(/from\s*["']node:/);

    // Run it in a context with none of Node's globals: top-level await and
    // import.meta rewritten so a plain script can hold it.
    const script = `(async () => {${code.replace(/import\.meta\.url/g, '"https://example.test/app.js"')}})()`;
    const context: Record<string, unknown> = { console };
    await runInNewContext(script, context);
    expect(context.result).toEqual({ seen: ['clicks=2', 'counterInc'], kernel: true });
  });
});
