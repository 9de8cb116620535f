import { POSTGRES_ERROR_ENV, POSTGRES_URL_ENV, type PostgresCluster, startPostgresCluster } from './postgres.js';

/**
 * Vitest global setup: starts one throwaway PostgreSQL cluster for the whole run and hands its address
 * to the test workers through the environment; stops it at the end. When it cannot start (PostgreSQL
 * is not installed), the reason is handed over instead, and every test that needs PostgreSQL fails
 * with it, while the rest of the suite still runs.
 */
export default async function setup(): Promise<() => Promise<void>> {
  let cluster: PostgresCluster | null = null;
  try {
    cluster = await startPostgresCluster();
    process.env[POSTGRES_URL_ENV] = cluster.url;
  } catch (error) {
    process.env[POSTGRES_ERROR_ENV] = error instanceof Error ? error.message : String(error);
  }
  return async () => {
    await cluster?.stop();
  };
}
