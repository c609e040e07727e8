#!/usr/bin/env node
// `prepack` of every published package (run by `pnpm pack` and `pnpm publish`
// in the package's folder): builds the package when dist/ is missing or older
// than its sources, so a tarball never ships without its code, and copies the
// repository's LICENSE in, so every tarball carries the licence it declares.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = process.cwd();

/** Newest modification time of any file under `path` (0 when it does not exist). */
function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = 0;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

const built = newest(join(dir, 'dist'));
const sources = Math.max(newest(join(dir, 'src')), newest(join(dir, 'package.json')));
if (built === 0 || built < sources) {
  console.error(`prepack: building ${dir} (dist/ ${built === 0 ? 'missing' : 'older than src/'})`);
  execFileSync('pnpm', ['run', 'build'], { cwd: dir, stdio: ['ignore', 'inherit', 'inherit'] });
}
copyFileSync(join(root, 'LICENSE'), join(dir, 'LICENSE'));
