import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/**
 * Worker threads run plain JavaScript (Node 20 has no type stripping), so tests that spawn a real
 * Worker transpile this package's sources into a temporary directory and let the worker script
 * import them from there. The sources already import each other with `.js` extensions.
 */
export async function transpileSources(): Promise<{ url(file: string): string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'spice-ts-loop-'));
  for (const file of await readdir(SRC)) {
    if (!file.endsWith('.ts')) continue;
    const source = await readFile(join(SRC, file), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
      },
    });
    await writeFile(join(dir, file.replace(/\.ts$/, '.js')), outputText);
  }
  return {
    url: (file) => pathToFileURL(join(dir, file)).href,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
