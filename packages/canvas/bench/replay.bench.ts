import { afterAll, bench, describe } from 'vitest';
import { diffWithReference, hasRecording, loadReplay, type ReplayOps, runReplay } from '../test/replay-ops.js';

// Issue point 5: the canvas renders the x11-apps and xterm-text recordings at least 20x faster than
// their recorded real time. Each bench iteration renders a whole recording on fresh surfaces; the
// figure printed at the end is span / (time inside renderDrawMessage), best of the runs (the first,
// cold run is printed too), and the final frame is checked against NAME.final.png.
const NAMES = ['x11-apps', 'xterm-text'];
const loaded: ReplayOps[] = [];
for (const name of NAMES) if (hasRecording(name)) loaded.push(await loadReplay(name));

const best = new Map<string, number>();
const first = new Map<string, number>();
const frames = new Map<string, number>();

describe.skipIf(loaded.length === 0)('replay', () => {
  for (const ops of loaded) {
    bench(
      `${ops.name} (${ops.steps.length} steps)`,
      () => {
        const run = runReplay(ops);
        if (!first.has(ops.name)) first.set(ops.name, run.drawMs);
        best.set(ops.name, Math.min(best.get(ops.name) ?? Number.POSITIVE_INFINITY, run.drawMs));
        if (!frames.has(ops.name)) frames.set(ops.name, run.primary ? diffWithReference(run.primary, ops.name) : -1);
      },
      { iterations: 10, warmupIterations: 3, time: 0, warmupTime: 0 },
    );
  }
});

if (loaded.length === 0) {
  describe('replay', () => {
    bench('skipped: ../shared/recordings is absent (set SPICE_TS_RECORDINGS)', () => {});
  });
}

afterAll(() => {
  const lines = loaded.map((ops) => {
    const ms = best.get(ops.name) ?? Number.NaN;
    const diff = frames.get(ops.name);
    const frame = diff === 0 ? 'final frame exact' : `final frame: ${diff} pixels differ`;
    const cold = first.get(ops.name) ?? Number.NaN;
    return `${ops.name.padEnd(11)} span ${ops.spanMs.toFixed(0).padStart(6)} ms  canvas ${ms.toFixed(1).padStart(7)} ms  ${(ops.spanMs / ms).toFixed(1).padStart(6)}x real time (first run ${cold.toFixed(0)} ms, ${(ops.spanMs / cold).toFixed(1)}x)  ${frame}`;
  });
  if (lines.length) process.stdout.write(`\ncanvas replay figures (draw calls only, best run)\n${lines.join('\n')}\n`);
});
