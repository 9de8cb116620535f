import { execFileSync } from 'node:child_process';

/**
 * Vitest global setup: compiles the server once, so that tests which start `steward` as a real child
 * process run the code under test, not a stale build.
 */
export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
}
