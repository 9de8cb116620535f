// Compiles src/ to dist/ and copies the files tsc does not emit (SQL migrations, the pages' CSS and script).
// Runs as the npm `prepare` script, so `npm install` in a clone leaves a runnable `steward`.
// The build goes to a directory of its own and replaces dist/ only when complete, so that a `steward`
// started meanwhile (by another test run) never sees half a build.
import { execFileSync } from 'node:child_process';
import { cpSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const fresh = `dist.building-${process.pid}`;
const old = `dist.old-${process.pid}`;
rmSync(fresh, { recursive: true, force: true });
try {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', fresh], { stdio: 'inherit' });
  cpSync('src/store/sqlite/migrations', `${fresh}/store/sqlite/migrations`, { recursive: true });
  cpSync('src/store/postgres/migrations', `${fresh}/store/postgres/migrations`, { recursive: true });
  cpSync('src/http/ui/assets', `${fresh}/http/ui/assets`, { recursive: true });
  try {
    renameSync('dist', old);
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
  }
  renameSync(fresh, 'dist');
} finally {
  rmSync(fresh, { recursive: true, force: true });
  rmSync(old, { recursive: true, force: true });
}
