// Records what a QXL device hands its display worker into a SPICE_REPLAY 1 file, as spice-server
// does with SPICE_WORKER_RECORD_FILENAME.

import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import type { QxlDevice } from './device.js';
import { ReplayWorkerMessage } from './replay-records.js';
import { createReplayWriter, type ReplayWriter, type ReplayWriterInit } from './replay-writer.js';

/** createReplayRecorder options: the writer's, without `output`. */
export type ReplayRecorderOptions = Omit<ReplayWriterInit, 'output'>;

export interface ReplayRecorder {
  readonly writer: ReplayWriter;
  /** Detaches from the device and closes the recording (resolves once it is on disk/flushed). */
  stop(): Promise<void>;
}

/**
 * Attaches a recorder to `device`: every command taken off a ring (recorded before it is parsed,
 * from guest memory) and every message the device hands the display worker become events of a
 * SPICE_REPLAY 1 recording that `createReplayReader`/`replayRecording` (and spice-server's replay)
 * read back. `output` is a Writable or a file path; for a path, `gzip` defaults to true when it
 * ends in `.gz`. Best started before the guest runs; started later, it first records the existing
 * primary surface (with its current contents) as a CREATE_PRIMARY_SURFACE event.
 */
export function createReplayRecorder(
  device: Pick<QxlDevice, 'memory' | 'primary' | 'onCommand' | 'onWorkerMessage'>,
  output: Writable | string,
  options: ReplayRecorderOptions = {},
): ReplayRecorder {
  const init: ReplayWriterInit =
    typeof output === 'string'
      ? { ...options, output: createWriteStream(output), gzip: options.gzip ?? output.endsWith('.gz') }
      : { ...options, output };
  const writer = createReplayWriter(device.memory, init);
  // Started late: the primary that exists already is recorded first, as if it were created now
  // (its current contents), so that the recording replays onto a screen. Off-screen surfaces
  // created before are not known to the recording.
  if (device.primary !== null) writer.writeWorkerMessage(ReplayWorkerMessage.CreatePrimarySurface, device.primary);
  const offCommand = device.onCommand((command) => {
    writer.writeCommand(command);
  });
  const offMessage = device.onWorkerMessage((message, primary) => {
    writer.writeWorkerMessage(message, primary);
  });
  let stopped: Promise<void> | null = null;
  return {
    writer,
    stop() {
      if (stopped === null) {
        offCommand();
        offMessage();
        stopped = writer.close();
      }
      return stopped;
    },
  };
}
