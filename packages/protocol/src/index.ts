/**
 * @spice-ts/protocol — the SPICE wire protocol: constants and enums, link structures, data headers,
 * capability sets, bounds-checked Reader/Writer, and message codecs. No I/O, no Node APIs.
 */

export * from './capabilities.js';
export * from './chunk-writer.js';
export * from './data-header.js';
export * from './decode-budget.js';
export * from './enums.js';
export * from './errors.js';
export * from './generated/message-types.js';
export * as playback from './generated/playback.js';
export * as port from './generated/port.js';
export * as record from './generated/record.js';
export * as smartcard from './generated/smartcard.js';
export * as spicevmc from './generated/spicevmc.js';
/** Structures of the schema (Image, Brush, Path, SpiceString, ...) with their read/write functions. */
export * as wire from './generated/structs.js';
export * from './link.js';
export * from './message-types.js';
export * as base from './messages/base.js';
export * from './messages/body-builder.js';
export * from './messages/codec.js';
export * as cursor from './messages/cursor.js';
export * as display from './messages/display.js';
export * from './messages/image.js';
export * as inputs from './messages/inputs.js';
export * as main from './messages/main.js';
export * from './messages/types.js';
export * from './reader.js';
/** The declarative protocol schema the generated codecs come from (for tools and tests). */
export * as schema from './schema/index.js';
export * from './sub-list.js';
export * from './text.js';
export * from './writer.js';
