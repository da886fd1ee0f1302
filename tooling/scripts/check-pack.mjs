#!/usr/bin/env node
// check-pack: can each published package be installed from its tarball and imported?
//
//   node tooling/scripts/check-pack.mjs [--skip-build] [--keep] [@spice-ts/name ...]
//
// For every non-private package under packages/ (or only the ones named):
//   1. publint --strict (pnpm --filter <pkg> exec publint --strict),
//   2. pnpm pack into a temporary folder,
//   3. a scratch npm project in os.tmpdir() (outside the workspace) that depends on the tarball,
//      with npm `overrides` sending every @spice-ts/* dependency to its local tarball,
//      `npm install --no-audit --no-fund`,
//   4. node -e "import('<pkg>')" there, which must yield at least one export.
// The workspace is built first (turbo run build for packages/*) unless --skip-build.
// Prints one PASS/FAIL line per package and exits 1 when any failed. --keep leaves the
// temporary folder for inspection (its path is printed).
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PACKAGES_DIR = join(ROOT, 'packages');
const SCOPE = '@spice-ts/';
/** Output kept from a failing command for the report. */
const TAIL_LINES = 25;

const argv = process.argv.slice(2);
const skipBuild = argv.includes('--skip-build');
const keep = argv.includes('--keep');
const only = argv.filter((a) => !a.startsWith('--'));

function log(line) {
  console.log(`check-pack: ${line}`);
}

/** Runs a command, streaming nothing; returns { ok, output }. */
function run(cmd, args, cwd, extraEnv = {}) {
  const result = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}`;
  return { ok: result.status === 0, output, status: result.status };
}

function tail(text) {
  const lines = text.trimEnd().split('\n');
  return lines
    .slice(-TAIL_LINES)
    .map((l) => `    ${l}`)
    .join('\n');
}

function publishedPackages() {
  if (!existsSync(PACKAGES_DIR)) return [];
  const found = [];
  for (const name of readdirSync(PACKAGES_DIR).sort()) {
    const dir = join(PACKAGES_DIR, name);
    const manifest = join(dir, 'package.json');
    if (!statSync(dir).isDirectory() || !existsSync(manifest)) continue;
    const json = JSON.parse(readFileSync(manifest, 'utf8'));
    if (json.private) continue;
    found.push({ name: json.name, version: json.version, dir });
  }
  return found;
}

const allPackages = publishedPackages();
const packages = allPackages.filter((p) => only.length === 0 || only.includes(p.name));
if (packages.length === 0) {
  console.error(`check-pack: no published packages found${only.length ? ` matching ${only.join(', ')}` : ''}`);
  process.exit(1);
}
const unknown = only.filter((n) => !packages.some((p) => p.name === n));
if (unknown.length) {
  console.error(`check-pack: unknown package(s): ${unknown.join(', ')}`);
  process.exit(1);
}

if (!skipBuild) {
  log('building packages/* (pnpm exec turbo run build)');
  const build = spawnSync('pnpm', ['exec', 'turbo', 'run', 'build', '--filter=./packages/*'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (build.status !== 0) {
    console.error('check-pack: FAILED: the build failed, nothing was packed');
    process.exit(1);
  }
}

const work = mkdtempSync(join(tmpdir(), 'spice-ts-pack-'));
const tarballDir = join(work, 'tarballs');
mkdirSync(tarballDir);
const results = new Map(packages.map((p) => [p.name, { failures: [], notes: [] }]));
const tarballs = new Map();

// 1 + 2: publint the checked packages and pack every package (also the unchecked ones, so that
// the overrides can point every @spice-ts/* dependency at a tarball).
for (const pkg of allPackages) {
  const result = results.get(pkg.name) ?? { failures: [], notes: [] };
  if (results.has(pkg.name)) {
    const lint = run('pnpm', ['--filter', pkg.name, 'exec', 'publint', '--strict'], ROOT);
    if (!lint.ok) result.failures.push(`publint --strict failed:\n${tail(lint.output)}`);
  }

  if (!existsSync(join(pkg.dir, 'dist'))) {
    result.failures.push('no dist/ folder: the package was not built');
    continue;
  }
  const before = new Set(readdirSync(tarballDir));
  const pack = run('pnpm', ['pack', '--pack-destination', tarballDir], pkg.dir);
  const made = readdirSync(tarballDir).filter((f) => f.endsWith('.tgz') && !before.has(f));
  if (!pack.ok || made.length !== 1) {
    result.failures.push(`pnpm pack failed:\n${tail(pack.output)}`);
    continue;
  }
  const tarball = join(tarballDir, made[0]);
  tarballs.set(pkg.name, tarball);
  result.notes.push(`${(statSync(tarball).size / 1024).toFixed(1)} kB`);
}

// 3 + 4: install each tarball alone in a scratch project and import it.
const overrides = Object.fromEntries([...tarballs].map(([name, file]) => [name, `file:${file}`]));
for (const pkg of packages) {
  const result = results.get(pkg.name);
  const tarball = tarballs.get(pkg.name);
  if (!tarball) continue;
  const project = join(work, pkg.name.replace(SCOPE, '').replace(/[^a-z0-9-]/gi, '_'));
  mkdirSync(project);
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify(
      {
        name: `spice-ts-pack-check-${pkg.name.replace(SCOPE, '')}`,
        version: '0.0.0',
        private: true,
        type: 'module',
        dependencies: { [pkg.name]: `file:${tarball}` },
        overrides,
      },
      null,
      2,
    )}\n`,
  );
  const install = run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], project, {
    npm_config_update_notifier: 'false',
  });
  if (!install.ok) {
    result.failures.push(`npm install of the tarball failed:\n${tail(install.output)}`);
    continue;
  }
  const probe = `import(${JSON.stringify(pkg.name)}).then((m) => { const n = Object.keys(m).length; console.log(n); if (!n) process.exit(1); })`;
  const imported = run(process.execPath, ['-e', probe], project);
  if (!imported.ok) {
    result.failures.push(
      imported.output.trim() === '0'
        ? 'import() gave a module with no exports'
        : `import(${JSON.stringify(pkg.name)}) failed:\n${tail(imported.output)}`,
    );
  } else {
    result.notes.push(`${imported.output.trim().split('\n').at(-1)} exports`);
  }
}

let failed = 0;
for (const pkg of packages) {
  const { failures, notes } = results.get(pkg.name);
  if (failures.length === 0) {
    log(`PASS ${pkg.name}@${pkg.version} (publint, pack ${notes.join(', import: ')})`);
  } else {
    failed++;
    log(`FAIL ${pkg.name}@${pkg.version}`);
    for (const f of failures) console.log(`  - ${f}`);
  }
}
if (keep) log(`kept ${work}`);
else rmSync(work, { recursive: true, force: true });
if (failed) {
  console.error(`check-pack: FAILED, ${failed} of ${packages.length} packages`);
  process.exit(1);
}
log(`OK, ${packages.length} packages install from their tarballs and import`);
