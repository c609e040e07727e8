import { createServer } from 'node:net';
import { ErrorCode } from '@sochdb/core';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { PrometheusObservability } from '../src/index.js';
import { openMetricsRegistry, parseExposition, sampleValue } from './helpers.js';

const made: PrometheusObservability[] = [];
function extension(options: ConstructorParameters<typeof PrometheusObservability>[0] = {}): PrometheusObservability {
  const ext = new PrometheusObservability({ onError: () => {}, ...options });
  made.push(ext);
  return ext;
}
afterEach(async () => {
  for (const ext of made.splice(0)) await ext.shutdown();
});

describe('serve()', () => {
  it('serves /metrics on 127.0.0.1 by default, port 0 picking a free port, with the exposition content type', async () => {
    const ext = extension();
    ext.counterInc('txn.commit', 3, { table: 'users' });
    const address = await ext.serve({ port: 0 });
    expect(address.host).toBe('127.0.0.1');
    expect(address.port).toBeGreaterThan(0);
    expect(address.url).toBe(`http://127.0.0.1:${address.port}/metrics`);
    const response = await fetch(address.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    expect(text).toBe(await ext.metrics());
    expect(sampleValue(parseExposition(text), 'sochdb_txn_commit_total', { table: 'users' })).toBe(3);
  });

  it('reflects calls made after it started, and answers HEAD, 404 and 405', async () => {
    const ext = extension();
    const { url, port } = await ext.serve({ port: 0 });
    ext.gaugeSet('g', 1);
    expect(sampleValue(parseExposition(await (await fetch(url)).text()), 'sochdb_g')).toBe(1);
    ext.gaugeSet('g', 2);
    expect(sampleValue(parseExposition(await (await fetch(url)).text()), 'sochdb_g')).toBe(2);
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect((await fetch(`${url}?x=1`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(404);
    const post = await fetch(url, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('uses an OpenMetrics registry’s content type', async () => {
    const ext = extension({ registry: openMetricsRegistry() });
    ext.counterInc('c', 1);
    const response = await fetch((await ext.serve({ port: 0 })).url);
    expect(response.headers.get('content-type')).toBe(Registry.OPENMETRICS_CONTENT_TYPE);
    expect(await response.text()).toMatch(/sochdb_c_total 1\n# EOF\n$/);
  });

  it('one server per extension: a second call resolves to the first address', async () => {
    const ext = extension();
    const first = await ext.serve({ port: 0 });
    expect(await ext.serve({ port: 0 })).toEqual(first);
  });

  it('shutdown() closes the server, also with a keep-alive connection open', async () => {
    const ext = extension();
    const { url } = await ext.serve({ port: 0 });
    expect((await fetch(url, { headers: { connection: 'keep-alive' } })).status).toBe(200);
    const started = Date.now();
    await ext.shutdown();
    expect(Date.now() - started).toBeLessThan(2000);
    await expect(fetch(url)).rejects.toThrow();
    await expect(ext.serve({ port: 0 })).rejects.toThrow(/after shutdown/);
    await expect(ext.serve({ port: 0 })).rejects.toMatchObject({ kind: 'io', code: ErrorCode.CLOSED });
    await expect(ext.serve({ port: 0 })).rejects.toThrow(/create a new PrometheusObservability to serve again$/);
  });

  it('bad options and a port in use reject with a clear error', async () => {
    const ext = extension();
    await expect(ext.serve({ port: -1 })).rejects.toThrow(RangeError);
    await expect(ext.serve({ port: 70000 })).rejects.toThrow(/port must be an integer from 0 to 65535/);
    await expect(ext.serve(undefined as unknown as { port: number })).rejects.toThrow(TypeError);
    await expect(ext.serve({ port: 0, host: '' })).rejects.toThrow(/host/);
    await expect(ext.serve({ port: '9464' as never })).rejects.toThrow(TypeError);
    await expect(ext.serve({ port: '9464' as never })).rejects.toThrow(/; got string "9464"$/);
    await expect(ext.serve({ port: 0, hots: 'localhost' } as never)).rejects.toThrow(/unknown option "hots"/);
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(ext.serve({ port })).rejects.toThrow(/EADDRINUSE/);
      // The failed attempt does not stick: a later serve() can succeed.
      expect((await ext.serve({ port: 0 })).port).toBeGreaterThan(0);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});
