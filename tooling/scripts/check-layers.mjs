#!/usr/bin/env node
// check-layers: enforce the layer rules of docs/ARCHITECTURE.md on every workspace package.
//
//   node tooling/scripts/check-layers.mjs [--root DIR]
//
// Scans src/, test/ and bench/ of every workspace package (pnpm-workspace.yaml) for imports
// (static import / export-from, import type, dynamic import(), require(), import("x") types,
// read from the TypeScript syntax tree)
// and reports, one line per offence, with file:line, the import and the rule broken:
//   - a workspace package imported against the layer table below (upward or not allowed),
//   - anything imported from apps/ (by package name or by path),
//   - a relative import that leaves the package folder,
//   - a workspace package that the importing package.json does not declare
//     (dependencies/peerDependencies/optionalDependencies; devDependencies only in test/ and bench/),
//   - a Node built-in in a package that must stay I/O-free (IO_FREE_SRC).
// Exits 1 when anything is found, 0 with a one-line summary otherwise.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

// ---------------------------------------------------------------------------------------------
// The layer table: the one place that says who may import whom (ARCHITECTURE.md, "Rooms").
// `layer` is only used to word the message; `allow` is the rule. A package that is missing here
// is itself an offence, so a new package cannot slip past the check.
const L0 = ['@spice-ts/protocol', '@spice-ts/codecs', '@spice-ts/loop'];
const L1 = ['@spice-ts/canvas', '@spice-ts/channel', '@spice-ts/qxl'];
const LAYERS = {
  '@spice-ts/protocol': { layer: 'L0', allow: [] },
  '@spice-ts/codecs': { layer: 'L0', allow: ['@spice-ts/protocol'] },
  '@spice-ts/loop': { layer: 'L0', allow: [] },
  '@spice-ts/canvas': { layer: 'L1', allow: ['@spice-ts/protocol', '@spice-ts/codecs'] },
  '@spice-ts/channel': { layer: 'L1', allow: ['@spice-ts/protocol', '@spice-ts/loop'] },
  '@spice-ts/channel-compliance': { layer: 'L1', allow: ['@spice-ts/protocol', '@spice-ts/loop', '@spice-ts/channel'] },
  '@spice-ts/qxl': { layer: 'L1', allow: ['@spice-ts/protocol', '@spice-ts/loop'] },
  '@spice-ts/display': { layer: 'L2', allow: [...L0, ...L1] },
  '@spice-ts/server': { layer: 'L3', allow: [...L0, ...L1, '@spice-ts/display'] },
  '@spice-ts/server-app': { layer: 'app', allow: 'all-packages' },
  '@spice-ts/config': { layer: 'tooling', allow: 'all-packages' },
  '@spice-ts/e2e': { layer: 'tooling', allow: 'all-packages' },
  '@spice-ts/golden': { layer: 'tooling', allow: 'all-packages' },
  '@spice-ts/test-support': { layer: 'tooling', allow: [] },
  // Third-party examples: they may use the published packages, like any outside project.
  '@spice-ts/example-port-echo': { layer: 'example', allow: [...L0, ...L1, '@spice-ts/display', '@spice-ts/server'] },
};
/** Packages that test/ and bench/ files of any package may also import (as devDependencies). */
const TEST_ONLY_IMPORTS = [
  '@spice-ts/config',
  '@spice-ts/e2e',
  '@spice-ts/channel-compliance',
  '@spice-ts/test-support',
];
/**
 * Extra imports allowed in one package's test/ and bench/ only (as devDependencies): the canvas
 * replays QXL recordings with @spice-ts/qxl's reader to check its output and time itself.
 */
const TEST_IMPORTS_OF = { '@spice-ts/canvas': ['@spice-ts/qxl'] };
/** Tooling packages whose src/ may use the shared test support (the e2e harness reads PNGs with it). */
const TOOLING_SHARED_OF = { '@spice-ts/e2e': ['@spice-ts/test-support'] };
/** The one exception to "nothing imports from apps/": the end-to-end package's test/ files may
 * import the app (to run it in-process and read its state); its src/ may not. */
const APP_IMPORTS_IN_TESTS_OF = ['@spice-ts/e2e'];
/** Packages whose src/ must not touch Node built-ins (no I/O). */
const IO_FREE_SRC = ['@spice-ts/protocol'];
/** Folders scanned in each package; the ones after the first are "test" folders. */
const SRC_DIRS = ['src'];
const TEST_DIRS = ['test', 'bench'];
const EXTENSIONS = ['.ts', '.mts', '.cts', '.tsx'];
// ---------------------------------------------------------------------------------------------

const DEP_FIELDS = ['dependencies', 'peerDependencies', 'optionalDependencies'];
const NODE_BUILTINS = new Set(builtinModules);

function parseArgs(argv) {
  const here = dirname(fileURLToPath(import.meta.url));
  let root = resolve(here, '..', '..');
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--root' && argv[i + 1]) root = resolve(argv[++i]);
    else if (argv[i] === '--help' || argv[i] === '-h') {
      console.log('usage: check-layers.mjs [--root WORKSPACE_DIR]');
      process.exit(0);
    } else {
      console.error(`check-layers: unknown argument ${argv[i]}`);
      process.exit(2);
    }
  }
  return { root };
}

/** Reads the `packages:` globs of pnpm-workspace.yaml (only "dir/*" and "dir" forms are used). */
function workspaceGlobs(root) {
  const file = join(root, 'pnpm-workspace.yaml');
  const text = readFileSync(file, 'utf8');
  const globs = [];
  let inPackages = false;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '');
    if (/^packages\s*:/.test(line)) {
      inPackages = true;
      continue;
    }
    if (inPackages) {
      const m = /^\s+-\s*['"]?([^'"\s]+)['"]?\s*$/.exec(line);
      if (m) globs.push(m[1]);
      else if (/^\S/.test(line)) inPackages = false;
    }
  }
  return globs;
}

function workspacePackages(root) {
  const dirs = [];
  for (const glob of workspaceGlobs(root)) {
    if (glob.startsWith('!')) continue;
    if (glob.endsWith('/*')) {
      const parent = join(root, glob.slice(0, -2));
      if (!existsSync(parent)) continue;
      for (const name of readdirSync(parent).sort()) dirs.push(join(parent, name));
    } else if (!glob.includes('*')) {
      dirs.push(join(root, glob));
    } else {
      throw new Error(`check-layers: unsupported workspace glob "${glob}" in pnpm-workspace.yaml`);
    }
  }
  const packages = [];
  for (const dir of dirs) {
    const manifest = join(dir, 'package.json');
    if (!existsSync(manifest)) continue;
    const json = JSON.parse(readFileSync(manifest, 'utf8'));
    if (!json.name) continue;
    packages.push({
      name: json.name,
      dir,
      rel: relative(root, dir),
      isApp: relative(root, dir).split(sep)[0] === 'apps',
      json,
    });
  }
  return packages;
}

function listFiles(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full));
    else if (EXTENSIONS.some((ext) => entry.name.endsWith(ext))) out.push(full);
  }
  return out;
}

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`. */
function packageNameOf(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function isInside(child, parent) {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep) && rel !== '..');
}

/**
 * Every module specifier in a file, from the syntax tree (so strings, comments and regular
 * expressions that merely look like imports are not counted): import/export ... from,
 * import x = require(), import(), require(), and import("x") types.
 */
function importsOf(file, text) {
  const kind = file.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, kind);
  const found = [];
  const add = (node) => {
    if (node && ts.isStringLiteralLike(node)) found.push({ spec: node.text, pos: node.getStart(source) });
  };
  const visit = (node) => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node.moduleReference.expression);
    } else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const isImport = callee.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(callee) && callee.text === 'require';
      if ((isImport || isRequire) && node.arguments.length >= 1) add(node.arguments[0]);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function lineOf(text, pos) {
  let line = 1;
  for (let i = 0; i < pos && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function describeAllow(allow) {
  if (allow === 'all-packages') return 'any package under packages/';
  return allow.length ? allow.join(', ') : 'no workspace package';
}

function check(root) {
  const packages = workspacePackages(root);
  const byName = new Map(packages.map((p) => [p.name, p]));
  const appsDir = join(root, 'apps');
  const offences = [];
  let files = 0;
  let imports = 0;

  for (const pkg of packages) {
    const rule = LAYERS[pkg.name];
    if (!rule) {
      offences.push(
        `${join(pkg.rel, 'package.json')}: workspace package ${pkg.name} has no entry in the layer table (LAYERS in tooling/scripts/check-layers.mjs); add it with its layer and allowed imports`,
      );
      continue;
    }
    const declaredRuntime = new Set(DEP_FIELDS.flatMap((f) => Object.keys(pkg.json[f] ?? {})));
    const declaredDev = new Set(Object.keys(pkg.json.devDependencies ?? {}));

    const groups = [
      ...SRC_DIRS.map((d) => ({ dir: d, isTest: false })),
      ...TEST_DIRS.map((d) => ({ dir: d, isTest: true })),
    ];
    for (const { dir, isTest } of groups) {
      for (const file of listFiles(join(pkg.dir, dir))) {
        files++;
        const text = readFileSync(file, 'utf8');
        const relFile = relative(root, file);
        for (const { spec, pos } of importsOf(file, text)) {
          imports++;
          const where = `${relFile}:${lineOf(text, pos)}`;
          const report = (why) => offences.push(`${where}: import "${spec}" — ${why}`);

          // Relative and absolute paths.
          if (spec.startsWith('.') || spec.startsWith('/')) {
            const target = resolve(dirname(file), spec);
            if (isInside(target, appsDir) && !isInside(file, appsDir)) {
              report('imports from apps/ (nothing may import from apps/)');
            } else if (!isInside(target, pkg.dir)) {
              report(
                `relative import leaves the package folder ${pkg.rel}/ (import the other package by name instead)`,
              );
            }
            continue;
          }

          // Node built-ins.
          const bare = spec.startsWith('node:') ? spec.slice(5) : spec;
          if (spec.startsWith('node:') || NODE_BUILTINS.has(packageNameOf(bare))) {
            if (!isTest && IO_FREE_SRC.includes(pkg.name)) {
              report(`Node built-in in ${pkg.name} src/ (this package must stay I/O-free: no node:* imports)`);
            }
            continue;
          }

          const target = byName.get(packageNameOf(spec));
          if (!target) continue; // a third-party package: not this script's business
          if (target.name === pkg.name) continue; // a package importing itself by name

          if (target.isApp && !(isTest && APP_IMPORTS_IN_TESTS_OF.includes(pkg.name))) {
            report(`imports ${target.name} from ${target.rel}/ (nothing may import from apps/)`);
            continue;
          }

          const testOnly =
            isTest &&
            (TEST_ONLY_IMPORTS.includes(target.name) || (TEST_IMPORTS_OF[pkg.name] ?? []).includes(target.name));
          if (!testOnly) {
            const allowed =
              rule.allow === 'all-packages'
                ? LAYERS[target.name]?.layer !== 'tooling' || (TOOLING_SHARED_OF[pkg.name] ?? []).includes(target.name)
                : rule.allow.includes(target.name);
            if (!allowed) {
              const targetLayer = LAYERS[target.name]?.layer ?? 'not in the layer table';
              const upward = rule.layer.startsWith('L') && targetLayer.startsWith('L') && targetLayer > rule.layer;
              const kind = upward
                ? 'upward import'
                : targetLayer === rule.layer
                  ? 'same-layer import not allowed'
                  : 'import not allowed by the layer table';
              report(
                `${kind}: ${pkg.name} (${rule.layer}) must not import ${target.name} (${targetLayer}); ${pkg.name} may import: ${describeAllow(rule.allow)}`,
              );
              continue;
            }
          }

          const declared = declaredRuntime.has(target.name) || (isTest && declaredDev.has(target.name));
          if (!declared) {
            const hint =
              !isTest && declaredDev.has(target.name)
                ? `it is only a devDependency, but ${dir}/ is shipped code: move it to "dependencies"`
                : `add "${target.name}": "workspace:^" to ${isTest ? '"devDependencies" (or "dependencies")' : '"dependencies"'}`;
            report(`${target.name} is not declared in ${join(pkg.rel, 'package.json')}; ${hint}`);
          }
        }
      }
    }
  }
  return { offences, packages: packages.length, files, imports };
}

const { root } = parseArgs(process.argv.slice(2));
if (!existsSync(join(root, 'pnpm-workspace.yaml')) || !statSync(root).isDirectory()) {
  console.error(`check-layers: ${root} is not a pnpm workspace (no pnpm-workspace.yaml)`);
  process.exit(2);
}
const result = check(root);
if (result.offences.length) {
  for (const line of result.offences) console.error(`check-layers: ${line}`);
  console.error(
    `check-layers: FAILED, ${result.offences.length} offence${result.offences.length === 1 ? '' : 's'} in ${result.packages} packages (${result.files} files scanned)`,
  );
  process.exit(1);
}
console.log(
  `check-layers: OK, ${result.packages} packages, ${result.files} files, ${result.imports} imports follow the layer rules`,
);
