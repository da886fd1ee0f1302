#!/usr/bin/env node
// test-all: what `pnpm test` runs (and CI, through .ci/run). Steps, in order, all run even when
// an earlier one fails, with their output streamed:
//   install-peers  bash tooling/scripts/install-peers.sh   (Debian packages of the real clients)
//   build          pnpm exec turbo run build
//   check-layers   node tooling/scripts/check-layers.mjs
//   lint           pnpm exec biome check .   (format and lint)
//   typecheck      pnpm exec turbo run typecheck
//   test           pnpm exec turbo run test --concurrency=1 --env-mode=loose (each package's
//                  vitest writes a JSON report into .test-results/vitest/ via SPICE_TS_RESULTS)
//   (the turbo steps also get --continue=dependencies-successful)
//   check-pack     node tooling/scripts/check-pack.mjs
// Then it prints each step's outcome, each package's test counts, and last one line
//   tests: N passed, M failed[, K skipped]
// The exit code is 1 when a step failed, a test failed, a package with a test script left no
// report, or no test ran at all.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const REPORTS_DIR = join(ROOT, '.test-results', 'vitest');

// turbo 2 runs tasks in strict env mode, which would drop SPICE_TS_RESULTS (and DISPLAY etc. that
// the end-to-end tests may use); loose mode passes the environment through. After a failure,
// turbo goes on with every task whose dependencies succeeded, so one broken package does not hide
// the results of the others.
const TURBO = ['exec', 'turbo', 'run'];
const TURBO_FLAGS = ['--continue=dependencies-successful'];
const STEPS = [
  { name: 'install-peers', cmd: 'bash', args: [join('tooling', 'scripts', 'install-peers.sh')] },
  { name: 'build', cmd: 'pnpm', args: [...TURBO, 'build', ...TURBO_FLAGS] },
  { name: 'check-layers', cmd: process.execPath, args: [join('tooling', 'scripts', 'check-layers.mjs')] },
  { name: 'lint', cmd: 'pnpm', args: ['exec', 'biome', 'check', '.'] },
  { name: 'typecheck', cmd: 'pnpm', args: [...TURBO, 'typecheck', ...TURBO_FLAGS] },
  {
    name: 'test',
    cmd: 'pnpm',
    args: [...TURBO, 'test', '--concurrency=1', '--env-mode=loose', ...TURBO_FLAGS],
    env: { SPICE_TS_RESULTS: `${REPORTS_DIR}/` },
  },
  { name: 'check-pack', cmd: process.execPath, args: [join('tooling', 'scripts', 'check-pack.mjs')] },
];

function banner(text) {
  console.log(`\n=== test-all: ${text} ===`);
}

function runStep(step) {
  return new Promise((resolvePromise) => {
    const started = Date.now();
    const child = spawn(step.cmd, step.args, {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', ...(step.env ?? {}) },
    });
    child.once('error', (error) => {
      console.error(`test-all: cannot start ${step.cmd}: ${error.message}`);
      resolvePromise({ code: 127, seconds: (Date.now() - started) / 1000 });
    });
    child.once('close', (code, signal) => {
      resolvePromise({ code: code ?? (signal ? 128 : 1), signal, seconds: (Date.now() - started) / 1000 });
    });
  });
}

/** Reads the vitest JSON reports: one entry per package. */
function readReports() {
  if (!existsSync(REPORTS_DIR)) return [];
  const reports = [];
  for (const file of readdirSync(REPORTS_DIR).sort()) {
    if (!file.endsWith('.json')) continue;
    const name = `@${file.slice(0, -'.json'.length).replace('__', '/')}`;
    try {
      const json = JSON.parse(readFileSync(join(REPORTS_DIR, file), 'utf8'));
      const files = Array.isArray(json.testResults) ? json.testResults : [];
      // a test file that failed to load has no failed assertions but must count as a failure
      const brokenFiles = files.filter(
        (f) => f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed'),
      ).length;
      reports.push({
        name,
        passed: json.numPassedTests ?? 0,
        failed: (json.numFailedTests ?? 0) + brokenFiles,
        skipped: (json.numPendingTests ?? 0) + (json.numTodoTests ?? 0),
        files: files.length,
        // vitest failed without a failing test (no test files, a crash in setup, ...)
        broken:
          json.success === false && !json.numFailedTests && !brokenFiles ? 'vitest reported a failure' : undefined,
        seconds: files.reduce((s, f) => s + Math.max(0, (f.endTime ?? 0) - (f.startTime ?? 0)), 0) / 1000,
      });
    } catch (error) {
      reports.push({
        name,
        passed: 0,
        failed: 1,
        skipped: 0,
        files: 0,
        seconds: 0,
        broken: `unreadable report: ${error}`,
      });
    }
  }
  return reports;
}

/** Workspace packages whose package.json has a "test" script (each should leave a report). */
function packagesWithTests() {
  const names = [];
  for (const group of ['packages', 'apps', 'tooling']) {
    const dir = join(ROOT, group);
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir)) {
      const manifest = join(dir, entry, 'package.json');
      if (!existsSync(manifest)) continue;
      const json = JSON.parse(readFileSync(manifest, 'utf8'));
      if (json.scripts?.test) names.push(json.name);
    }
  }
  return names.sort();
}

rmSync(REPORTS_DIR, { recursive: true, force: true });
mkdirSync(REPORTS_DIR, { recursive: true });

const outcomes = [];
for (const step of STEPS) {
  banner(`step ${step.name}: ${[step.cmd === process.execPath ? 'node' : step.cmd, ...step.args].join(' ')}`);
  const result = await runStep(step);
  outcomes.push({ step: step.name, ...result });
  if (result.code !== 0) console.error(`test-all: step "${step.name}" FAILED (exit ${result.code})`);
}

banner('summary');
for (const o of outcomes) {
  console.log(
    `  ${o.code === 0 ? 'ok    ' : 'FAILED'}  ${o.step.padEnd(14)} ${o.seconds.toFixed(1)} s${o.code === 0 ? '' : `  (exit ${o.code})`}`,
  );
}

const reports = readReports();
const reported = new Set(reports.map((r) => r.name));
console.log('\n  vitest, per package:');
for (const r of reports) {
  const extra = r.broken ? `  (${r.broken})` : '';
  console.log(
    `  ${r.name.padEnd(24)} ${String(r.passed).padStart(5)} ok  ${String(r.failed).padStart(3)} failing  ${String(r.skipped).padStart(3)} skipped  in ${r.files} files, ${r.seconds.toFixed(1)} s${extra}`,
  );
}
const missing = packagesWithTests().filter((n) => !reported.has(n));
for (const name of missing) console.log(`  ${name.padEnd(24)} no report (its tests did not run, or did not finish)`);

const total = reports.reduce(
  (t, r) => ({ passed: t.passed + r.passed, failed: t.failed + r.failed, skipped: t.skipped + r.skipped }),
  { passed: 0, failed: 0, skipped: 0 },
);
const failedSteps = outcomes.filter((o) => o.code !== 0).map((o) => o.step);
const problems = [];
if (failedSteps.length) problems.push(`failed step(s): ${failedSteps.join(', ')}`);
if (total.failed) problems.push(`${total.failed} failing test(s)`);
if (total.passed + total.failed === 0) problems.push('no test ran');
if (missing.length) problems.push(`no test report from ${missing.join(', ')}`);
console.log('');
if (problems.length) console.log(`test-all: FAILED: ${problems.join('; ')}`);
else console.log('test-all: all steps passed');
console.log(
  `tests: ${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ''}`,
);
process.exitCode = problems.length ? 1 : 0;
