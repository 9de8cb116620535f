#!/usr/bin/env node
// The `steward` executable: runs the compiled command line (built by `npm install` via `prepare`).
import('../dist/cli/main.js').then((cli) => cli.main(process.argv.slice(2)));
