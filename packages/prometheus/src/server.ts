/**
 * The `/metrics` endpoint: a plain node:http server that answers GET (and
 * HEAD) on `/metrics` with the registry's exposition, negotiating the format
 * (OpenMetrics for a client that asks for it, as Prometheus does) and gzip.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { assertOptions, describeValue } from '@sochdb/core/plugin-kit';
import { Registry, type RegistryContentType } from 'prom-client';
import { toOpenMetrics } from './openmetrics.js';
import type { ServedAddress } from './serve-options.js';

const gzipAsync = promisify(gzip);

/** Checks `serve()`'s options, throwing a TypeError (wrong type, unknown key) or RangeError (out of range) that names the bad one. */
export function checkServeOptions(options: unknown): { port: number; host: string } {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`serve(options): options must be an object { port, host? }; got ${describeValue(options)}`);
  }
  assertOptions(options, ['port', 'host'], 'serve(options)');
  const { port, host = '127.0.0.1' } = options as { port?: unknown; host?: unknown };
  const portMessage = `serve(options): port must be an integer from 0 to 65535; got ${describeValue(port)}`;
  if (typeof port !== 'number') throw new TypeError(portMessage);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(portMessage);
  if (typeof host !== 'string' || host === '') {
    throw new TypeError(`serve(options): host must be a non-empty string; got ${describeValue(host)}`);
  }
  return { port, host };
}

/**
 * Whether the `accept` header asks for `type` with a quality above 0 (a
 * missing quality is 1). `*\/*` does not count: a client that takes anything
 * gets the registry's own format.
 */
function accepts(header: string | undefined, type: string): boolean {
  if (header === undefined) return false;
  for (const part of header.toLowerCase().split(',')) {
    const [media = '', ...parameters] = part.split(';').map((p) => p.trim());
    if (media !== type) continue;
    const q = parameters.find((p) => p.startsWith('q='));
    if (q === undefined || Number(q.slice(2)) > 0) return true;
  }
  return false;
}

/**
 * The body and content type for `request`: the registry's exposition, as
 * OpenMetrics when the registry writes the Prometheus text format and the
 * client accepts `application/openmetrics-text` (an OpenMetrics registry is
 * served as it is).
 */
async function exposition(
  registry: Registry<RegistryContentType>,
  request: IncomingMessage,
): Promise<{ text: string; type: string }> {
  const text = await registry.metrics();
  const type = registry.contentType as string;
  if (type === Registry.PROMETHEUS_CONTENT_TYPE && accepts(request.headers.accept, 'application/openmetrics-text')) {
    return { text: toOpenMetrics(text), type: Registry.OPENMETRICS_CONTENT_TYPE };
  }
  return { text, type };
}

/** Starts a server for `registry` and resolves once it listens. */
export function startServer(
  registry: Registry<RegistryContentType>,
  port: number,
  host: string,
  onFailure: (error: unknown) => void,
): Promise<{ server: Server; address: ServedAddress }> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?', 1)[0];
    if (path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      response.end('Not found. Metrics are at /metrics\n');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      response.end('Method not allowed\n');
      return;
    }
    exposition(registry, request)
      .then(async ({ text, type }) => {
        const zipped = accepts(request.headers['accept-encoding'], 'gzip');
        const body = zipped ? await gzipAsync(text) : Buffer.from(text);
        response.writeHead(200, {
          'content-type': type,
          'content-length': body.length,
          vary: 'accept, accept-encoding',
          ...(zipped ? { 'content-encoding': 'gzip' } : {}),
        });
        response.end(request.method === 'HEAD' ? undefined : body);
      })
      .catch((error: unknown) => {
        onFailure(error);
        if (response.headersSent) {
          response.destroy();
          return;
        }
        response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        response.end('Collecting metrics failed\n');
      });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      server.on('error', onFailure);
      const bound = server.address() as AddressInfo;
      const urlHost = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
      resolve({
        server,
        address: { host: bound.address, port: bound.port, url: `http://${urlHost}:${bound.port}/metrics` },
      });
    });
  });
}

/** Closes `server`, dropping idle keep-alive connections so it does not wait for clients to hang up. */
export function stopServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    // Anything still mid-response gets a moment to finish, then is cut.
    setTimeout(() => server.closeAllConnections(), 1000).unref();
  });
}
