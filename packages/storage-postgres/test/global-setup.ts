/**
 * The test run's PostgreSQL server: `SOCHDB_TEST_POSTGRES_URL` when set (an
 * existing server; tests make their own uniquely named tables in it), else a
 * throwaway cluster in a temporary directory on a free 127.0.0.1 port,
 * removed when the run ends. Without either, `server.ts` skips the tests
 * (and fails them under CI=true).
 */
import type { TestProject } from 'vitest/node';
import { findPostgresBin, startThrowawayCluster } from './throwaway-cluster.js';

/** What the tests get through `inject('postgres')`. */
export interface ProvidedServer {
  /** Connection string with credentials, or undefined when there is no server. */
  readonly url: string | undefined;
  /** The throwaway cluster's data directory and binaries; undefined for an external server. */
  readonly local: boolean;
  /** Why there is no server. */
  readonly reason?: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: ProvidedServer;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const external = process.env.SOCHDB_TEST_POSTGRES_URL;
  if (external) {
    project.provide('postgres', { url: external, local: false });
    return undefined;
  }
  if (findPostgresBin() === undefined) {
    project.provide('postgres', {
      url: undefined,
      local: false,
      reason:
        'PostgreSQL is not installed (as root, `node scripts/ensure-tools.mjs` installs it; Debian: apt-get install postgresql) and SOCHDB_TEST_POSTGRES_URL is not set',
    });
    return undefined;
  }
  // fsync off: the tests restart the server cleanly, never crash the machine, and the disk is shared.
  const cluster = await startThrowawayCluster(['fsync = off', 'full_page_writes = off']);
  project.provide('postgres', { url: cluster.url, local: true });
  return () => cluster.destroy();
}
