// Compiles src/ to dist/ and copies the files tsc does not emit (SQL migrations, the pages' CSS and script).
// Runs as the npm `prepare` script, so `npm install` in a clone leaves a runnable `steward`.
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
cpSync('src/store/sqlite/migrations', 'dist/store/sqlite/migrations', { recursive: true });
cpSync('src/http/ui/assets', 'dist/http/ui/assets', { recursive: true });
