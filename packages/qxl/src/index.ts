/**
 * @spice-ts/qxl: the QXL device model. Guest memory (three BARs in SharedArrayBuffers) with memslots
 * and QXLPHYSICAL translation, the ROM/RAM layout of spice-protocol's qxl_dev.h, the command,
 * cursor and release rings, IO ports with interrupts, a validating parser that copies guest
 * structures into immutable records, and a guest-side driver that writes real QXL structures.
 */

export * from './allocator.js';
export * from './device.js';
export * from './driver.js';
export * from './errors.js';
export * from './guest-memory.js';
export * from './guest-thread.js';
export * from './logger.js';
export * from './parser.js';
export * from './qxl-dev.js';
export * from './records.js';
export * from './replay.js';
export * from './replay-layout.js';
export * from './replay-reader.js';
export * from './replay-recorder.js';
export * from './replay-records.js';
export * from './replay-writer.js';
export * from './ring.js';
export * from './screen.js';
