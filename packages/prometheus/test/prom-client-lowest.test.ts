/**
 * The peer range of prom-client is pinned to the versions tested: this file
 * runs the version-dependent exposition tests against the lowest version in
 * the range (installed as the alias `prom-client-lowest`); every other test
 * file runs against the highest (the `prom-client` dev dependency). The
 * last test keeps package.json's range and the two installed versions in step.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { expositionSuite } from './exposition-suite.js';

vi.mock('prom-client', async () => await import('prom-client-lowest'));

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  peerDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

describe('prom-client at the bottom of the peer range', () => {
  it('is the version the extension runs on in this file', async () => {
    const promClient = await import('prom-client');
    const lowest = await import('prom-client-lowest');
    expect(promClient.Registry).toBe(lowest.Registry);
  });

  it('package.json pins the peer range to the two versions tested', () => {
    const range = pkg.peerDependencies['prom-client'];
    const lowest = pkg.devDependencies['prom-client-lowest']?.replace('npm:prom-client@', '');
    const highest = pkg.devDependencies['prom-client'];
    expect(range).toBe(`>=${lowest} <=${highest}`);
  });
});

expositionSuite();
