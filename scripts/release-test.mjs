#!/usr/bin/env node
// `pnpm test:release`: the user's whole path, against a real registry.
//
//  1. Start verdaccio on 127.0.0.1 (storage in a temp folder; @sochdb/* and
//     sochdb-plugin-* are local only, everything else is proxied to npm).
//  2. Publish every public package with the real release command
//     (`pnpm release --no-git-tag`: build, lint, changeset publish).
//  3. The third-party template: install its dependencies from the registry,
//     type-check, build and test it (conformance suite included), publish it.
//  4. In fresh folders outside the workspace, npm install a chosen subset and
//     use it from ESM `import` and CommonJS `require`; load the template beside
//     core; install a plugin without core; and load a plugin that resolves a
//     second, incompatible copy of core.
//
// Each check prints ✓/✗; the counts go to .tmp/release-summary.txt, which
// `pnpm test:all` adds to the test-count line.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// fileURLToPath, not URL.pathname: a path with a space (or any escaped character) stays a path.
const root = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'sochdb-release-'));
const results = [];
let registry;

function log(message) {
  console.log(`[release-test] ${message}`);
}

async function check(name, fn) {
  const started = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`✓ ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } catch (error) {
    results.push({ name, ok: false });
    console.log(`✗ ${name}\n${String(error?.stack ?? error).replace(/^/gm, '    ')}`);
  }
}

function run(command, args, options = {}) {
  try {
    return execFileSync(command, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 << 20,
      ...options,
      env: { ...process.env, ...options.env },
    });
  } catch (error) {
    throw new Error(
      `${command} ${args.join(' ')} failed (exit ${error.status}):\n${error.stdout ?? ''}${error.stderr ?? ''}`,
    );
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function startRegistry() {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const config = join(work, 'verdaccio.yaml');
  writeFileSync(
    config,
    `storage: ${join(work, 'storage')}
auth:
  htpasswd:
    file: ${join(work, 'htpasswd')}
    max_users: 10
uplinks:
  npmjs:
    url: https://registry.npmjs.org/
    timeout: 60s
packages:
  '@sochdb/*':
    access: $all
    publish: $authenticated
  'sochdb-plugin-*':
    access: $all
    publish: $authenticated
  '**':
    access: $all
    proxy: npmjs
log: { type: stdout, format: pretty, level: warn }
`,
  );
  const child = spawn(
    join(root, 'node_modules', '.bin', 'verdaccio'),
    ['--config', config, '--listen', `127.0.0.1:${port}`],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: false,
    },
  );
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`verdaccio exited (${child.exitCode}):\n${output}`);
    try {
      const response = await fetch(`${url}-/ping`);
      if (response.ok) break;
    } catch {}
    if (Date.now() > deadline) throw new Error(`verdaccio did not answer on ${url} within 30 s:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  // A user, so publishing is authenticated as it is on a real registry.
  const response = await fetch(`${url}-/user/org.couchdb.user:release-test`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'release-test', password: 'release-test-password', email: 'ci@example.invalid' }),
  });
  const { token } = await response.json();
  if (!token) throw new Error(`verdaccio gave no token (HTTP ${response.status})`);
  const npmrc = join(work, 'npmrc');
  writeFileSync(
    npmrc,
    `registry=${url}\n//127.0.0.1:${port}/:_authToken=${token}\nfund=false\naudit=false\nupdate-notifier=false\n`,
  );
  log(`verdaccio on ${url}`);
  return {
    url,
    child,
    env: {
      npm_config_userconfig: npmrc,
      npm_config_registry: url,
    },
  };
}

/** GET a registry document; retried, since a kept-alive socket may have been closed by the server. */
async function registryDocument(name) {
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await fetch(`${registry.url}${name.replace('/', '%2f')}`, { headers: { connection: 'close' } });
      return response.ok ? await response.json() : {};
    } catch (error) {
      if (attempt === 3) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

function publicPackages() {
  return readdirSync(join(root, 'packages'))
    .map((name) => JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8')))
    .filter((pkg) => !pkg.private);
}

function npmApp(name, dependencies = {}) {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name, private: true, version: '0.0.0', dependencies }, null, 2),
  );
  return dir;
}

const USE_SUBSET = `
const { PluginManager, loadPlugin, isKernelError } = CORE;
const plugins = new PluginManager();
await plugins.register(await loadPlugin('@sochdb/storage-memory', { name: 'mem' }, DIR));
await plugins.register(await loadPlugin('@sochdb/lz4', {}, DIR));
const store = plugins.storage();
const lz4 = plugins.compression('lz4');
const value = new TextEncoder().encode('hello '.repeat(100));
await store.put(1, new TextEncoder().encode('k1'), lz4.compress(value), 1);
const back = lz4.decompress(await store.get(1, new TextEncoder().encode('k1')));
if (Buffer.compare(Buffer.from(back), Buffer.from(value)) !== 0) throw new Error('round trip changed the value');
const rows = await store.scan(1, new Uint8Array(0), new Uint8Array(0), Infinity);
if (rows.length !== 1) throw new Error('scan found ' + rows.length + ' rows');
let refused = false;
try { lz4.decompress(new Uint8Array([1, 2, 3])); } catch (error) { refused = isKernelError(error) && error.kind === 'corruption'; }
if (!refused) throw new Error('garbage was not refused with a corruption KernelError');
await plugins.shutdownAll();
console.log('OK ' + plugins.listExtensions().length);
`;

try {
  registry = await startRegistry();
  const packages = publicPackages();

  await check('pnpm release publishes every public package to the registry', async () => {
    const output = run('pnpm', ['release', '--no-git-tag'], { cwd: root, env: registry.env });
    const missing = [];
    for (const pkg of packages) {
      const body = await registryDocument(pkg.name);
      if (!body.versions?.[pkg.version]) missing.push(`${pkg.name}@${pkg.version}`);
    }
    if (missing.length > 0) throw new Error(`not on the registry: ${missing.join(', ')}\n${output}`);
    // What a user gets: core's peer range in each plugin's published manifest.
    for (const pkg of packages.filter((p) => p.name !== '@sochdb/core')) {
      const body = await registryDocument(pkg.name);
      const published = body.versions[pkg.version];
      if (published.dependencies?.['@sochdb/core'])
        throw new Error(`${pkg.name} was published with @sochdb/core as a dependency`);
      if (!/^\^\d+\.\d+\.\d+$/.test(published.peerDependencies?.['@sochdb/core'] ?? '')) {
        throw new Error(`${pkg.name} was published without a caret peer range on @sochdb/core`);
      }
    }
  });

  const template = join(work, 'template');
  await check(
    'the third-party template installs from the registry, type-checks, passes its conformance suite and publishes',
    async () => {
      cpSync(join(root, 'examples', 'third-party-plugin'), template, {
        recursive: true,
        filter: (source) => !/[/\\](node_modules|dist)$/.test(source),
      });
      run('npm', ['install', '--no-package-lock'], { cwd: template, env: registry.env });
      run('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: template, env: registry.env });
      const tests = run('npm', ['test'], {
        cwd: template,
        env: { ...registry.env, CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0' },
      });
      if (!/Tests\s+\d+ passed/.test(tests)) throw new Error(`template tests did not report passes:\n${tests}`);
      run('npm', ['publish'], { cwd: template, env: registry.env });
    },
  );

  const subset = npmApp('app-subset');
  await check('npm installs core plus two plugins, and nothing else of ours', async () => {
    run('npm', ['install', '@sochdb/core', '@sochdb/storage-memory', '@sochdb/lz4'], {
      cwd: subset,
      env: registry.env,
    });
    const ours = readdirSync(join(subset, 'node_modules', '@sochdb')).sort();
    if (ours.join(',') !== 'core,lz4,storage-memory') throw new Error(`installed @sochdb/*: ${ours.join(', ')}`);
  });

  await check('the subset works from an ES module (import)', async () => {
    writeFileSync(
      join(subset, 'use.mjs'),
      `import * as CORE from '@sochdb/core';\nconst DIR = ${JSON.stringify(subset)};\n${USE_SUBSET}`,
    );
    const out = run('node', ['use.mjs'], { cwd: subset });
    if (!out.includes('OK 0')) throw new Error(out);
  });

  await check('the subset works from CommonJS (require) on this Node', async () => {
    writeFileSync(
      join(subset, 'use.cjs'),
      `const CORE = require('@sochdb/core');\nconst DIR = ${JSON.stringify(subset)};\n(async () => {\n${USE_SUBSET}\n})().catch((e) => { console.error(e); process.exit(1); });`,
    );
    const out = run('node', ['use.cjs'], { cwd: subset });
    if (!out.includes('OK 0')) throw new Error(out);
  });

  await check('the published template loads beside core and logs through the manager', async () => {
    const app = npmApp('app-template');
    run('npm', ['install', '@sochdb/core', 'sochdb-plugin-logfmt'], { cwd: app, env: registry.env });
    writeFileSync(
      join(app, 'use.mjs'),
      `import { loadPlugin, PluginManager } from '@sochdb/core';
const lines = [];
const plugins = new PluginManager();
await plugins.register(await loadPlugin('sochdb-plugin-logfmt', { destination: { write: (l) => lines.push(l) } }, ${JSON.stringify(app)}));
plugins.logInfo('table opened', { table: 'users' });
await plugins.shutdownAll();
process.stdout.write(lines.join(''));`,
    );
    const out = run('node', ['use.mjs'], { cwd: app });
    if (!/level=info msg="table opened" table=users/.test(out)) throw new Error(`unexpected output: ${out}`);
  });

  await check(
    'a plugin installed without core: npm reports the missing peer, and loading it names @sochdb/core',
    async () => {
      const app = npmApp('app-no-core');
      run('npm', ['install', '@sochdb/lz4', '--omit=peer'], { cwd: app, env: registry.env });
      let ls = '';
      try {
        ls = run('npm', ['ls', '--all'], { cwd: app, env: registry.env });
      } catch (error) {
        ls = String(error.message);
      }
      if (!/UNMET PEER DEPENDENCY @sochdb\/core|missing: @sochdb\/core@\^\d/.test(ls))
        throw new Error(`npm ls did not report the missing peer:\n${ls}`);
      let message = '';
      try {
        run('node', ['--input-type=module', '-e', "await import('@sochdb/lz4')"], { cwd: app });
      } catch (error) {
        message = String(error.message);
      }
      if (!/Cannot find package '@sochdb\/core'/.test(message))
        throw new Error(`loading without core did not name @sochdb/core:\n${message}`);
    },
  );

  await check('two incompatible copies of core in one application are detected and explained', async () => {
    const app = npmApp('app-two-cores');
    run('npm', ['install', '@sochdb/core', '@sochdb/lz4'], { cwd: app, env: registry.env });
    // Give the plugin a private copy of core from another major, as a plugin
    // that wrongly depends on its own core would get.
    const nested = join(app, 'node_modules', '@sochdb', 'lz4', 'node_modules', '@sochdb', 'core');
    cpSync(join(app, 'node_modules', '@sochdb', 'core'), nested, { recursive: true });
    const versionFile = join(nested, 'dist', 'version.js');
    writeFileSync(versionFile, readFileSync(versionFile, 'utf8').replace(/VERSION = '[^']+'/, "VERSION = '2.0.0'"));
    writeFileSync(
      join(app, 'use.mjs'),
      `import { loadPlugin, PluginManager } from '@sochdb/core';
process.on('warning', (w) => console.log('WARNING ' + w.message));
new PluginManager();
try {
  await loadPlugin('@sochdb/lz4', {}, ${JSON.stringify(app)});
  console.log('LOADED');
} catch (error) {
  console.log('REFUSED ' + error.code + ' ' + error.message);
}
await new Promise((r) => setTimeout(r, 50));`,
    );
    const out = run('node', ['use.mjs'], { cwd: app });
    if (!out.includes('REFUSED SOCHDB_CORE_INCOMPATIBLE') || !out.includes('@sochdb/core 2.0.0'))
      throw new Error(`not refused:\n${out}`);
    if (!out.includes('WARNING Two incompatible copies of @sochdb/core are loaded'))
      throw new Error(`no warning:\n${out}`);
  });
} catch (error) {
  results.push({ name: 'release test setup', ok: false });
  console.log(`✗ release test setup\n${String(error?.stack ?? error)}`);
} finally {
  registry?.child.kill();
  rmSync(work, { recursive: true, force: true });
}

const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
mkdirSync(join(root, '.tmp'), { recursive: true });
writeFileSync(join(root, '.tmp', 'release-summary.txt'), `${passed} passed, ${failed} failed\n`);
console.log(`release test: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
