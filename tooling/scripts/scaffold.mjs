// One-off scaffolding of the workspace packages (kept for adding packages later:
// `node tooling/scripts/scaffold.mjs` only writes files that do not exist yet).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const PACKAGES = {
  protocol: {
    deps: [],
    node: false,
    desc: 'SPICE wire protocol: constants, link structures, data headers and message codecs',
  },
  codecs: {
    deps: ['protocol'],
    node: true,
    desc: 'SPICE image codecs (bitmap today; QUIC, LZ, GLZ, LZ4, JPEG to come)',
  },
  loop: {
    deps: [],
    node: true,
    desc: 'Event-loop core: one-shot timers, socket writers with back-pressure, loop statistics',
  },
  canvas: {
    deps: ['protocol', 'codecs'],
    node: false,
    desc: 'Software renderer of SPICE draw operations on 32-bit surfaces',
  },
  channel: {
    deps: ['protocol', 'loop'],
    node: true,
    desc: 'RedChannel / RedChannelClient / RedClient: the SPICE channel framework and SDK',
  },
  qxl: {
    deps: ['protocol', 'loop'],
    node: true,
    desc: 'QXL device model: guest memory, memslots, rings, validating parser, guest driver API',
  },
  display: {
    deps: ['protocol', 'codecs', 'loop', 'canvas', 'channel', 'qxl'],
    node: true,
    desc: 'Display and cursor channels: surfaces, drawables, per-client pipes, the display worker',
  },
  server: {
    deps: ['protocol', 'codecs', 'loop', 'canvas', 'channel', 'qxl', 'display'],
    node: true,
    desc: 'The SPICE server core: listeners, link and auth, sessions, main and inputs channels',
  },
};

const write = (path, text) => {
  if (!existsSync(path)) writeFileSync(path, text);
};

for (const [name, spec] of Object.entries(PACKAGES)) {
  const dir = join('packages', name);
  mkdirSync(join(dir, 'src'), { recursive: true });
  mkdirSync(join(dir, 'test'), { recursive: true });
  const dependencies = Object.fromEntries(spec.deps.map((d) => [`@spice-ts/${d}`, 'workspace:^']));
  const pkg = {
    name: `@spice-ts/${name}`,
    version: '0.1.0',
    description: spec.desc,
    license: 'MIT',
    type: 'module',
    sideEffects: false,
    engines: { node: '>=20.19' },
    exports: {
      '.': {
        '@spice-ts/source': './src/index.ts',
        types: './dist/index.d.ts',
        import: './dist/index.js',
      },
      './package.json': './package.json',
    },
    main: './dist/index.js',
    types: './dist/index.d.ts',
    files: ['dist', 'README.md'],
    scripts: {
      build: 'tsup',
      typecheck: name === 'protocol' ? 'tsc -p tsconfig.json && tsc -p tsconfig.test.json' : 'tsc -p tsconfig.json',
      test: 'vitest run',
      bench: 'vitest bench --run',
      publint: 'publint --strict',
    },
    dependencies,
    devDependencies: { '@spice-ts/config': 'workspace:*' },
    publishConfig: { access: 'public' },
  };
  write(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  write(
    join(dir, 'tsconfig.json'),
    `${JSON.stringify(
      {
        extends: spec.node ? '@spice-ts/config/tsconfig.node.json' : '@spice-ts/config/tsconfig.base.json',
        include: name === 'protocol' ? ['src'] : ['src', 'test', 'bench'],
      },
      null,
      2,
    )}\n`,
  );
  if (name === 'protocol') {
    write(
      join(dir, 'tsconfig.test.json'),
      `${JSON.stringify({ extends: '@spice-ts/config/tsconfig.node.json', include: ['src', 'test', 'bench'] }, null, 2)}\n`,
    );
  }
  write(
    join(dir, 'tsup.config.ts'),
    "import { packageBuild } from '@spice-ts/config/tsup';\n\nexport default packageBuild();\n",
  );
  write(
    join(dir, 'vitest.config.ts'),
    "import { packageTests } from '@spice-ts/config/vitest';\n\nexport default packageTests();\n",
  );
}
