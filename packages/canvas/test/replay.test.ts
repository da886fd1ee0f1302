import { describe, expect, it } from 'vitest';
import { diffWithReference, hasRecording, loadReplay, runReplay } from './replay-ops.js';

// Issue point 4: the recordings of ../shared/recordings, rendered by the canvas alone, end on the
// reference final frames (spice-gtk's own picture) exactly. Skipped where the recordings are absent.
describe.each(['x11-apps', 'xterm-text'])('replay of the %s recording', (name) => {
  it.skipIf(!hasRecording(name))(
    'ends on the reference final frame, pixel for pixel',
    async () => {
      const ops = await loadReplay(name);
      expect(ops.skipped).toEqual({});
      const run = runReplay(ops);
      expect(run.notDrawn).toBe(0);
      expect(run.primary).not.toBeNull();
      expect(diffWithReference(run.primary!, name)).toBe(0);
    },
    60_000,
  );
});
