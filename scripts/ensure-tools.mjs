#!/usr/bin/env node
// The real tools the tests talk to: the lz4 and zstd reference CLIs (interop),
// promtool and a Prometheus server (exposition and scraping), PostgreSQL's
// server binaries (storage-postgres starts throwaway clusters). Installed from
// Debian when missing and we may (root with apt-get); otherwise the tests that
// need them say so and are skipped locally, and fail under CI=true.
import { execSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

const TOOLS = { lz4: 'lz4', zstd: 'zstd', promtool: 'prometheus', prometheus: 'prometheus', initdb: 'postgresql' };
// Debian keeps PostgreSQL's server binaries in /usr/lib/postgresql/<major>/bin, off PATH.
const hasPostgres = () =>
  existsSync('/usr/lib/postgresql') &&
  readdirSync('/usr/lib/postgresql').some((major) => existsSync(`/usr/lib/postgresql/${major}/bin/initdb`));
const has = (command) =>
  (command === 'initdb' && hasPostgres()) ||
  spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
const missing = Object.keys(TOOLS).filter((command) => !has(command));

if (missing.length === 0) {
  console.log(`ensure-tools: ${Object.keys(TOOLS).join(', ')} present`);
  process.exit(0);
}
const packages = [...new Set(missing.map((command) => TOOLS[command]))];
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (isRoot && has('apt-get')) {
  console.log(`ensure-tools: installing ${packages.join(' ')} from Debian for ${missing.join(', ')}`);
  execSync(
    `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${packages.join(' ')} >/dev/null`,
    {
      stdio: 'inherit',
    },
  );
  const still = missing.filter((command) => !has(command));
  if (still.length > 0) {
    console.error(`ensure-tools: still missing after install: ${still.join(', ')}`);
    process.exit(1);
  }
} else {
  const message = `ensure-tools: missing ${missing.join(', ')}; install them (Debian/Ubuntu: sudo apt-get install -y ${packages.join(' ')})`;
  if (process.env.CI) {
    console.error(`${message}. CI needs them.`);
    process.exit(1);
  }
  console.warn(`${message}, or the tests that need them are skipped.`);
}
