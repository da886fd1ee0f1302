// Commands per second of the SPICE_REPLAY reader alone, and of reader + replay (guest driver
// writing real QXL structures) + the device's parser pulling every command, on the shared
// recordings. Run: pnpm --filter @spice-ts/qxl bench. Each bench prints its commands/s and the
// guest RAM written per command.
import { existsSync } from 'node:fs';
import { bench, describe } from 'vitest';
import { createQxlDevice } from '../src/device.js';
import { createGuestDriver } from '../src/driver.js';
import type { QxlAnyCommandRecord } from '../src/records.js';
import { replayRecording } from '../src/replay.js';
import { openReplayFile } from '../src/replay-reader.js';

const RECORDINGS = '/work/shared/recordings';
// Expected command counts (python3 ../shared/tools/recstat.py): x11-apps 1249, xterm-text 9398.
const FILES = [
  { name: 'x11-apps', commands: 1249 },
  { name: 'xterm-text', commands: 9398 },
].map((f) => ({ ...f, path: `${RECORDINGS}/${f.name}.spice.xz` }));

function report(label: string, commands: number, ms: number): void {
  console.log(
    `${label}: ${commands} commands in ${ms.toFixed(0)} ms = ${Math.round((commands * 1000) / ms)} commands/s`,
  );
}

async function readOnly(path: string, expected: number): Promise<void> {
  const t0 = performance.now();
  let commands = 0;
  for await (const e of openReplayFile(path)) if (e.what === 'command') commands++;
  if (commands !== expected) throw new Error(`read ${commands} commands, expected ${expected}`);
  report(`reader ${path}`, commands, performance.now() - t0);
}

async function replayAndParse(path: string, expected: number): Promise<void> {
  const device = createQxlDevice();
  let parsed = 0;
  let rejected = 0;
  // Parser alone: the time spent inside getAnyCommand (ring pop + validation + copy-out), and the
  // guest memory it reached through the memslots (every translated range, chunk data included).
  let parseMs = 0;
  let touched = 0;
  // Structures come through translateWords(lo, hi, size); chunk and palette data through
  // checkInSlot(ptr, offset, size) before they are copied out.
  const memory = device.memory as unknown as {
    translateWords: (...a: unknown[]) => unknown;
    checkInSlot: (...a: unknown[]) => unknown;
  };
  const translate = memory.translateWords.bind(memory);
  memory.translateWords = (...a: unknown[]) => {
    touched += a[2] as number;
    return translate(...a);
  };
  const inSlot = memory.checkInSlot.bind(memory);
  memory.checkInSlot = (...a: unknown[]) => {
    touched += a[2] as number;
    return inSlot(...a);
  };
  const release = (r: QxlAnyCommandRecord) =>
    device.releaseResource(
      r.type === 'draw' ? r.drawable.releaseId : r.type === 'message' ? r.releaseId : r.command.releaseId,
    );
  device.attachWorker({
    notifyCommands: () => {
      for (;;) {
        let r: QxlAnyCommandRecord | null;
        const t = performance.now();
        try {
          r = device.getAnyCommand();
        } catch {
          rejected++;
          continue;
        } finally {
          parseMs += performance.now() - t;
        }
        if (r === null) {
          if (device.requestCommandNotification()) return;
          continue;
        }
        parsed++;
        release(r);
      }
    },
    notifyCursor: () => {},
    createPrimary: () => {},
    destroyPrimary: () => {},
    updateArea: () => {},
  });
  const driver = createGuestDriver(device);
  const t0 = performance.now();
  await replayRecording(openReplayFile(path), { driver, device });
  driver.close();
  if (parsed !== expected || rejected !== 0)
    throw new Error(`parsed ${parsed} (${rejected} rejected), expected ${expected}`);
  report(`reader+replay+parser ${path}`, parsed, performance.now() - t0);
  report(`  parser alone (inside getAnyCommand) ${path}`, parsed, parseMs);
  console.log(`  guest memory touched by the parser: ${Math.round(touched / parsed)} bytes/command`);
  // Guest RAM the driver wrote per command (structures + data), the memory a command touches.
  console.log(`  guest RAM written: ${Math.round(driver.stats.bytesAllocatedTotal / parsed)} bytes/command`);
}

for (const f of FILES) {
  describe.skipIf(!existsSync(f.path))(f.name, () => {
    bench(`reader alone (${f.commands} commands)`, () => readOnly(f.path, f.commands), {
      iterations: 3,
      time: 0,
      warmupIterations: 0,
    });
    bench(`reader + replay + device parser (${f.commands} commands)`, () => replayAndParse(f.path, f.commands), {
      iterations: 3,
      time: 0,
      warmupIterations: 0,
    });
  });
}
