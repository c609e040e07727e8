/**
 * The public declarations need no Node types: an application that type-checks
 * without `@types/node` (a browser bundle, TypeScript's `types: []`) can use
 * every export, `serve()`'s option and result types included.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const tsc = fileURLToPath(new URL('../../../node_modules/typescript/bin/tsc', import.meta.url));

it('type-checks an application using every export with no Node types (types: [], skipLibCheck: false)', () => {
  // Inside the package, so `@sochdb/prometheus` resolves to its built declarations.
  const dir = mkdtempSync(join(packageDir, '.types-check-'));
  try {
    writeFileSync(
      join(dir, 'app.ts'),
      `import { PrometheusObservability, type ServedAddress, type ServeOptions } from '@sochdb/prometheus';
const metrics = new PrometheusObservability({ prefix: 'app_' });
const options: ServeOptions = { port: 0 };
export async function start(): Promise<ServedAddress> {
  metrics.counterInc('requests', 1, { route: '/' });
  return metrics.serve(options);
}
`,
    );
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          lib: ['ES2022', 'DOM'], // a browser application's: URL, no Node
          types: [],
          strict: true,
          noEmit: true,
          skipLibCheck: false,
        },
        files: ['app.ts'],
      }),
    );
    const result = spawnSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8' });
    expect(`${result.stdout}${result.stderr}`).toBe('');
    expect(result.status).toBe(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
