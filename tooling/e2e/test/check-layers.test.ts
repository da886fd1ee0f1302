import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../src/index.js';

const SCRIPT = join(REPO_ROOT, 'tooling', 'scripts', 'check-layers.mjs');
const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

type Files = Record<string, string | object>;

/** A throw-away pnpm workspace with the given files (objects are written as JSON). */
function workspace(files: Files): string {
  const root = mkdtempSync(join(tmpdir(), 'spice-ts-layers-'));
  roots.push(root);
  const all: Files = { 'pnpm-workspace.yaml': 'packages:\n  - packages/*\n  - apps/*\n  - tooling/*\n', ...files };
  for (const [path, content] of Object.entries(all)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  return root;
}

const pkg = (name: string, deps: Record<string, string> = {}, devDeps: Record<string, string> = {}) => ({
  name,
  version: '0.0.0',
  type: 'module',
  dependencies: deps,
  devDependencies: devDeps,
});

function checkLayers(root: string): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [SCRIPT, '--root', root], { encoding: 'utf8', timeout: 30_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('check-layers.mjs', () => {
  it('prints one OK line for a workspace that follows the rules', () => {
    const root = workspace({
      'packages/protocol/package.json': pkg('@spice-ts/protocol'),
      'packages/protocol/src/index.ts': "export * from './reader.js';\n// import { x } from '@spice-ts/display';\n",
      'packages/protocol/src/reader.ts': 'export const s = "import \'@spice-ts/server\'";\n',
      'packages/loop/package.json': pkg('@spice-ts/loop'),
      'packages/loop/src/index.ts': "import { setTimeout } from 'node:timers';\nexport { setTimeout };\n",
      'packages/channel/package.json': pkg(
        '@spice-ts/channel',
        { '@spice-ts/protocol': 'workspace:^', '@spice-ts/loop': 'workspace:^' },
        { '@spice-ts/config': 'workspace:*' },
      ),
      'packages/channel/src/index.ts':
        "import type { A } from '@spice-ts/protocol';\nexport const l = await import('@spice-ts/loop');\nexport type { A };\n",
      'packages/channel/test/a.test.ts': "import '@spice-ts/config/vitest';\nimport '../src/index.js';\n",
      'apps/server/package.json': pkg('@spice-ts/server-app', { '@spice-ts/channel': 'workspace:^' }),
      'apps/server/src/main.ts': "import '@spice-ts/channel';\n",
    });
    const run = checkLayers(root);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toMatch(/^check-layers: OK, 4 packages, 6 files/);
  });

  it('fails naming an upward import, an undeclared dependency and the other offences (e2e tests may import the app)', () => {
    const root = workspace({
      'packages/protocol/package.json': pkg('@spice-ts/protocol'),
      'packages/protocol/src/index.ts': "export const a = 1;\nimport { b } from '@spice-ts/display';\n",
      'packages/protocol/src/io.ts': "import { readFileSync } from 'node:fs';\nconst x = require('path');\n",
      'packages/codecs/package.json': pkg('@spice-ts/codecs'),
      'packages/codecs/src/index.ts':
        "export * from '@spice-ts/protocol';\nexport * from '../../protocol/src/index.js';\n",
      'packages/loop/package.json': pkg('@spice-ts/loop', { '@spice-ts/codecs': 'workspace:^' }),
      'packages/loop/src/index.ts': "import '@spice-ts/codecs';\n",
      'packages/channel/package.json': pkg('@spice-ts/channel', {}, { '@spice-ts/loop': 'workspace:^' }),
      'packages/channel/src/index.ts': "import '@spice-ts/loop';\n",
      'packages/channel/test/ok.test.ts': "import '@spice-ts/loop';\n",
      'packages/display/package.json': pkg('@spice-ts/display', { '@spice-ts/server-app': 'workspace:*' }),
      'packages/display/src/index.ts':
        "\n\nimport '@spice-ts/server-app';\nimport '../../../apps/server/src/main.js';\n",
      'packages/widgets/package.json': pkg('@spice-ts/widgets'),
      'apps/server/package.json': pkg('@spice-ts/server-app'),
      'apps/server/src/main.ts': 'export {};\n',
      'tooling/e2e/package.json': pkg('@spice-ts/e2e', { '@spice-ts/server-app': 'workspace:*' }),
      'tooling/e2e/src/index.ts': "export * from '@spice-ts/server-app';\n",
      'tooling/e2e/test/app.test.ts': "import '@spice-ts/server-app';\n",
    });
    const run = checkLayers(root);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trim().split('\n');
    const line = (pattern: RegExp): string | undefined => lines.find((l) => pattern.test(l));

    expect(
      line(
        /^check-layers: packages\/protocol\/src\/index\.ts:2: import "@spice-ts\/display" — upward import: @spice-ts\/protocol \(L0\) must not import @spice-ts\/display \(L2\)/,
      ),
    ).toBeDefined();
    expect(
      line(
        /packages\/codecs\/src\/index\.ts:1: import "@spice-ts\/protocol" — @spice-ts\/protocol is not declared in packages\/codecs\/package\.json/,
      ),
    ).toBeDefined();
    expect(
      line(
        /packages\/codecs\/src\/index\.ts:2: import "\.\.\/\.\.\/protocol\/src\/index\.js" — relative import leaves the package folder packages\/codecs\//,
      ),
    ).toBeDefined();
    expect(
      line(/packages\/protocol\/src\/io\.ts:1: import "node:fs" — Node built-in in @spice-ts\/protocol src\//),
    ).toBeDefined();
    expect(line(/packages\/protocol\/src\/io\.ts:2: import "path" — Node built-in/)).toBeDefined();
    expect(
      line(
        /packages\/loop\/src\/index\.ts:1: import "@spice-ts\/codecs" — same-layer import not allowed: @spice-ts\/loop \(L0\)/,
      ),
    ).toBeDefined();
    expect(
      line(/packages\/channel\/src\/index\.ts:1: import "@spice-ts\/loop" — .*only a devDependency/),
    ).toBeDefined();
    expect(line(/packages\/channel\/test\/ok\.test\.ts/)).toBeUndefined();
    expect(
      line(
        /packages\/display\/src\/index\.ts:3: import "@spice-ts\/server-app" — imports @spice-ts\/server-app from apps\/server\/ \(nothing may import from apps\/\)/,
      ),
    ).toBeDefined();
    expect(line(/packages\/display\/src\/index\.ts:4: .* — imports from apps\//)).toBeDefined();
    expect(
      line(/packages\/widgets\/package\.json: workspace package @spice-ts\/widgets has no entry in the layer table/),
    ).toBeDefined();
    expect(
      line(/tooling\/e2e\/src\/index\.ts:1: import "@spice-ts\/server-app" — imports @spice-ts\/server-app/),
    ).toBeDefined();
    expect(line(/tooling\/e2e\/test\//)).toBeUndefined();
    expect(lines.at(-1)).toMatch(/^check-layers: FAILED, 11 offences/);
  });
});
