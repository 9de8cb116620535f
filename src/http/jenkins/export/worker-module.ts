import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const located = new Map<string, Promise<URL>>();

/**
 * The URL of a worker thread's module `name`, which lives beside the module `from` (its
 * `import.meta.url`).
 *
 * Built (dist/, as `bin/steward.js` runs it): the compiled sibling `name.js`.
 * From the TypeScript sources (vitest runs them, and Node 20 cannot run TypeScript in a worker): the
 * sibling `name.ts`, transpiled once with the project's own compiler into `node_modules/.cache/steward/`,
 * where the worker's package imports resolve as they do from the sources. That is why a worker module
 * may import only packages and types, never another local module.
 */
export function workerModule(name: string, from: string): Promise<URL> {
  if (from.endsWith('.js')) return Promise.resolve(new URL(`./${name}.js`, from));
  const key = new URL(`./${name}.ts`, from).href;
  let found = located.get(key);
  if (!found) {
    found = transpiled(key);
    located.set(key, found);
  }
  return found;
}

async function transpiled(sourceUrl: string): Promise<URL> {
  const source = fileURLToPath(sourceUrl);
  const text = readFileSync(source, 'utf8');
  // The node_modules that holds the compiler holds the worker's packages too.
  const compiler = createRequire(source).resolve('typescript/package.json');
  const cache = join(dirname(dirname(compiler)), '.cache', 'steward');
  // Named by the source and the compiler, so that an unchanged worker is not compiled again.
  const digest = createHash('sha256').update(readFileSync(compiler)).update(text).digest('hex').slice(0, 16);
  const file = join(cache, `${basename(source, '.ts')}-${digest}.mjs`);
  if (!existsSync(file)) {
    const ts = (await import('typescript')).default;
    const output = ts.transpileModule(text, {
      fileName: source,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    }).outputText;
    mkdirSync(cache, { recursive: true });
    // Written aside and renamed, so that concurrent test processes never load a half-written file.
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, output);
    renameSync(temporary, file);
  }
  return pathToFileURL(file);
}
