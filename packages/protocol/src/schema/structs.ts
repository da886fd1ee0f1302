// Shared structures of spice.proto (spice-common): geometry, clips, images, brushes, masks, paths,
// strings, line attributes, monitor heads, migration destinations.
import {
  array,
  bytes,
  END,
  enumOf,
  f,
  flagSwitch,
  i16,
  i32,
  ptr,
  type StructDef,
  sized,
  struct,
  u8,
  u16,
  u32,
  u64,
  unless,
  valueSwitch,
  when,
} from './dsl.js';

/** image_type (enum8). */
export const IMAGE_TYPES = [0, 1, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109] as const;
/** bitmap_fmt (enum8), INVALID excluded. */
export const BITMAP_FORMATS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] as const;
/** Most clip rectangles accepted in one message (as the hand-written codecs, messages/types.ts). */
export const MAX_CLIP_RECTS = 65536;
/** Most palette entries (an 8-bit palette). */
export const MAX_PALETTE_ENTRIES = 256;
const PAL_FROM_CACHE = 2;
const CLIP_RECTS = 1;
const BRUSH_SOLID = 1;
const BRUSH_PATTERN = 2;
const LINE_STYLED = 1 << 3;
const STRING_A1 = 1;
const STRING_A4 = 2;
const STRING_A8 = 4;
const CURSOR_NONE = 1;

export const structs: readonly StructDef[] = [
  // Data headers (spice/protocol.h): the full one before the mini-header capability, and the mini one.
  {
    name: 'DataHeader',
    members: [f('serial', u64), f('type', u16), f('size', u32), f('subList', u32)],
  },
  { name: 'MiniDataHeader', members: [f('type', u16), f('size', u32)] },
  // Link phase (spice/protocol.h). SpiceLinkMess and SpiceLinkReply are followed by their
  // capability words at caps_offset (counted from the struct's start): common, then channel ones.
  { name: 'LinkHeader', members: [f('magic', u32), f('major', u32), f('minor', u32), f('size', u32)] },
  {
    name: 'LinkMess',
    members: [
      f('connectionId', u32),
      f('channelType', u8),
      f('channelId', u8),
      f('numCommonCaps', u32),
      f('numChannelCaps', u32),
      f('capsOffset', u32),
    ],
  },
  {
    name: 'LinkReply',
    members: [
      f('error', u32),
      f('pubKey', bytes({ fixed: 162 })),
      f('numCommonCaps', u32),
      f('numChannelCaps', u32),
      f('capsOffset', u32),
    ],
  },
  // SpiceLinkEncryptedTicket (RSA-OAEP of the password) and SpiceLinkAuthMechanism.
  { name: 'LinkEncryptedTicket', members: [f('encryptedData', bytes({ fixed: 128 }))] },
  { name: 'LinkAuthMechanism', members: [f('authMechanism', u32)] },
  // SpiceSubMessage: one entry of a SPICE_MSG_LIST body, its body following the 6-byte header.
  { name: 'SubMessage', members: [f('type', u16), f('size', u32), f('data', bytes(sized('size')))] },
  { name: 'Point', members: [f('x', i32), f('y', i32)] },
  { name: 'Point16', members: [f('x', i16), f('y', i16)] },
  { name: 'PointFix', members: [f('x', i32), f('y', i32)] },
  { name: 'Rect', members: [f('top', i32), f('left', i32), f('bottom', i32), f('right', i32)] },
  {
    name: 'Transform',
    members: [f('t00', u32), f('t01', u32), f('t02', u32), f('t10', u32), f('t11', u32), f('t12', u32)],
  },
  {
    name: 'ChannelWait',
    members: [f('channelType', u8), f('channelId', u8), f('messageSerial', u64)],
  },
  { name: 'ChannelId', members: [f('type', u8), f('id', u8)] },
  {
    name: 'DstInfo',
    members: [
      f('port', u16),
      f('sport', u16),
      f('hostSize', u32),
      f('hostData', ptr(bytes(sized('hostSize')), true)),
      f('certSubjectSize', u32),
      f('certSubjectData', ptr(bytes(sized('certSubjectSize')))),
    ],
  },
  {
    name: 'PathSegment',
    members: [f('flags', u8), f('count', u32), f('points', array(struct('PointFix'), sized('count')))],
  },
  {
    name: 'Path',
    members: [f('numSegments', u32), f('segments', array(struct('PathSegment'), sized('numSegments')))],
  },
  {
    name: 'Clip',
    members: [
      f('type', enumOf('u8', [0, CLIP_RECTS])),
      valueSwitch('type', [
        when(CLIP_RECTS, f('numRects', u32), f('rects', array(struct('Rect'), sized('numRects'), MAX_CLIP_RECTS))),
      ]),
    ],
  },
  { name: 'DisplayBase', members: [f('surfaceId', u32), f('box', struct('Rect')), f('clip', struct('Clip'))] },
  { name: 'ResourceId', members: [f('type', u8), f('id', u64)] },
  {
    name: 'Palette',
    members: [f('unique', u64), f('numEnts', u16), f('ents', array(u32, sized('numEnts'), MAX_PALETTE_ENTRIES))],
  },
  {
    name: 'BitmapData',
    members: [
      f('format', enumOf('u8', BITMAP_FORMATS)),
      f('flags', u8),
      f('x', u32),
      f('y', u32),
      f('stride', u32),
      flagSwitch('flags', [when(PAL_FROM_CACHE, f('paletteId', u64))], [f('palette', ptr(struct('Palette')))]),
      f('data', bytes({ image: { bits: 8, width: 'stride', height: 'y' } })),
    ],
  },
  { name: 'BinaryData', members: [f('dataSize', u32), f('data', bytes(sized('dataSize')))] },
  {
    name: 'LzPltData',
    members: [
      f('flags', u8),
      f('dataSize', u32),
      flagSwitch('flags', [when(PAL_FROM_CACHE, f('paletteId', u64))], [f('palette', ptr(struct('Palette'), true))]),
      f('data', bytes(sized('dataSize'))),
    ],
  },
  {
    name: 'ZlibGlzRgbData',
    members: [f('glzDataSize', u32), f('dataSize', u32), f('data', bytes(sized('dataSize')))],
  },
  {
    name: 'JpegAlphaData',
    members: [f('flags', u8), f('jpegSize', u32), f('dataSize', u32), f('data', bytes(sized('dataSize')))],
  },
  {
    name: 'ImageDescriptor',
    members: [f('id', u64), f('type', enumOf('u8', IMAGE_TYPES)), f('flags', u8), f('width', u32), f('height', u32)],
  },
  {
    name: 'Image',
    members: [
      f('descriptor', struct('ImageDescriptor')),
      valueSwitch(
        ['descriptor', 'type'],
        [
          when(0, f('bitmap', struct('BitmapData'))),
          when(1, f('quic', struct('BinaryData'))),
          when([101, 102], f('lzRgb', struct('BinaryData'))),
          when(105, f('jpeg', struct('BinaryData'))),
          when(109, f('lz4', struct('BinaryData'))),
          when(100, f('lzPlt', struct('LzPltData'))),
          when(107, f('zlibGlz', struct('ZlibGlzRgbData'))),
          when(108, f('jpegAlpha', struct('JpegAlphaData'))),
          when(104, f('surfaceId', u32)),
        ],
      ),
    ],
  },
  { name: 'Pattern', members: [f('pat', ptr(struct('Image'), true)), f('pos', struct('Point'))] },
  {
    name: 'Brush',
    members: [
      f('type', enumOf('u8', [0, BRUSH_SOLID, BRUSH_PATTERN])),
      valueSwitch('type', [when(BRUSH_SOLID, f('color', u32)), when(BRUSH_PATTERN, f('pattern', struct('Pattern')))]),
    ],
  },
  {
    name: 'QMask',
    members: [f('flags', u8), f('pos', struct('Point')), f('bitmap', ptr(struct('Image')))],
  },
  {
    name: 'LineAttr',
    members: [
      f('flags', u8),
      flagSwitch('flags', [when(LINE_STYLED, f('styleNseg', u8))]),
      flagSwitch('flags', [when(LINE_STYLED, f('style', ptr(array(i32, sized('styleNseg')))))]),
    ],
  },
  ...[1, 4, 8].map(
    (bits): StructDef => ({
      name: `RasterGlyphA${bits}`,
      members: [
        f('renderPos', struct('Point')),
        f('glyphOrigin', struct('Point')),
        f('width', u16),
        f('height', u16),
        f('data', bytes({ image: { bits, width: 'width', height: 'height' } })),
      ],
    }),
  ),
  {
    name: 'SpiceString',
    members: [
      f('length', u16),
      f('flags', u8),
      flagSwitch('flags', [
        when(STRING_A1, f('glyphsA1', array(struct('RasterGlyphA1'), sized('length')))),
        when(STRING_A4, f('glyphsA4', array(struct('RasterGlyphA4'), sized('length')))),
        when(STRING_A8, f('glyphsA8', array(struct('RasterGlyphA8'), sized('length')))),
      ]),
    ],
  },
  { name: 'StreamDataHeader', members: [f('id', u32), f('multiMediaTime', u32)] },
  {
    name: 'Head',
    members: [
      f('monitorId', u32),
      f('surfaceId', u32),
      f('width', u32),
      f('height', u32),
      f('x', u32),
      f('y', u32),
      f('flags', u32),
    ],
  },
  {
    name: 'CursorHeader',
    members: [
      f('unique', u64),
      f('type', u8),
      f('width', u16),
      f('height', u16),
      f('hotSpotX', u16),
      f('hotSpotY', u16),
    ],
  },
  {
    name: 'Cursor',
    members: [
      f('flags', u16),
      flagSwitch('flags', [unless(CURSOR_NONE, f('header', struct('CursorHeader')))]),
      f('data', bytes(END)),
    ],
  },
];
