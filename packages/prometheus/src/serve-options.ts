/**
 * The option and result types of `serve()`, apart from the server itself so
 * that the package's public declarations need no Node types (`node:http`
 * stays inside server.ts).
 */

/** Where to listen. */
export interface ServeOptions {
  /** TCP port; 0 picks a free one (read the bound port from the result). */
  readonly port: number;
  /** Interface to bind. Default `127.0.0.1` (loopback only); use `0.0.0.0` or `::` to expose it. */
  readonly host?: string;
}

/** The address a server is bound to. */
export interface ServedAddress {
  readonly host: string;
  readonly port: number;
  /** e.g. `http://127.0.0.1:9464/metrics` */
  readonly url: string;
}
