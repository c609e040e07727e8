#!/usr/bin/env node
// `pnpm pack:all [folder]`: packs every public package into one folder
// (default .tmp/tarballs), as npm would ship it (each package's prepack builds
// a missing dist/ and adds the LICENSE), so an application outside this
// repository can `npm install` the tarballs before the packages are on npm.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Packs every public package into `out` (replacing older tarballs of ours there); returns `{ name: tarball path }`. */
export function packAll(out) {
  mkdirSync(out, { recursive: true });
  const tarballs = {};
  for (const name of readdirSync(join(root, 'packages')).sort()) {
    const dir = join(root, 'packages', name);
    if (!existsSync(join(dir, 'package.json'))) continue;
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    if (manifest.private) continue;
    const file = `${manifest.name.replace('@', '').replace('/', '-')}-${manifest.version}.tgz`;
    rmSync(join(out, file), { force: true });
    const pack = spawnSync('pnpm', ['pack', '--pack-destination', out], { cwd: dir, encoding: 'utf8' });
    if (pack.status !== 0 || !existsSync(join(out, file))) {
      throw new Error(`pnpm pack of ${manifest.name} failed:\n${pack.stdout}${pack.stderr}`);
    }
    tarballs[manifest.name] = join(out, file);
  }
  return tarballs;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // biome-ignore lint/suspicious/noUndeclaredEnvVars: pnpm's "folder the command ran in", not a turbo task input
  const out = resolve(process.env.INIT_CWD ?? process.cwd(), process.argv[2] ?? join(root, '.tmp', 'tarballs'));
  const tarballs = packAll(out);
  for (const [name, file] of Object.entries(tarballs)) console.log(`${name.padEnd(26)} ${file}`);
  console.log(`\nInstall them into an application with: npm install ${join(out, '<name>-<version>.tgz')} ...`);
}
