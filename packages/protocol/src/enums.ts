// Wire enums of the SPICE protocol, as `as const` objects with derived union types.
// Numbers from spice-protocol spice/enums.h and spice/protocol.h (generated from spice.proto).

type ValueOf<T> = T[keyof T];

export const ChannelType = {
  Main: 1,
  Display: 2,
  Inputs: 3,
  Cursor: 4,
  Playback: 5,
  Record: 6,
  Tunnel: 7,
  Smartcard: 8,
  Usbredir: 9,
  Port: 10,
  Webdav: 11,
} as const;
export type ChannelType = ValueOf<typeof ChannelType>;

export const LinkErr = {
  Ok: 0,
  Error: 1,
  InvalidMagic: 2,
  InvalidData: 3,
  VersionMismatch: 4,
  NeedSecured: 5,
  NeedUnsecured: 6,
  PermissionDenied: 7,
  BadConnectionId: 8,
  ChannelNotAvailable: 9,
} as const;
export type LinkErr = ValueOf<typeof LinkErr>;

/** SpiceLinkAuthMechanism.auth_mechanism */
export const AuthMechanism = { Spice: 1, Sasl: 2 } as const;
export type AuthMechanism = ValueOf<typeof AuthMechanism>;

/** Capability bit numbers shared by every channel. */
export const CommonCap = {
  ProtocolAuthSelection: 0,
  AuthSpice: 1,
  AuthSasl: 2,
  MiniHeader: 3,
} as const;
export type CommonCap = ValueOf<typeof CommonCap>;

export const MainCap = {
  SemiSeamlessMigrate: 0,
  NameAndUuid: 1,
  AgentConnectedTokens: 2,
  SeamlessMigrate: 3,
} as const;
export type MainCap = ValueOf<typeof MainCap>;

export const DisplayCap = {
  SizedStream: 0,
  MonitorsConfig: 1,
  Composite: 2,
  A8Surface: 3,
  StreamReport: 4,
  Lz4Compression: 5,
  PrefCompression: 6,
  GlScanout: 7,
  MultiCodec: 8,
  CodecMjpeg: 9,
  CodecVp8: 10,
  CodecH264: 11,
  PrefVideoCodecType: 12,
  CodecVp9: 13,
  CodecH265: 14,
} as const;
export type DisplayCap = ValueOf<typeof DisplayCap>;

export const InputsCap = { KeyScancode: 0 } as const;
export type InputsCap = ValueOf<typeof InputsCap>;

export const MouseMode = { Server: 1, Client: 2 } as const;
export type MouseMode = ValueOf<typeof MouseMode>;

export const KeyboardModifier = { ScrollLock: 1, NumLock: 2, CapsLock: 4 } as const;
export type KeyboardModifier = ValueOf<typeof KeyboardModifier>;

export const MouseButton = { Invalid: 0, Left: 1, Middle: 2, Right: 3, Up: 4, Down: 5, Side: 6, Extra: 7 } as const;
export type MouseButton = ValueOf<typeof MouseButton>;

export const MouseButtonMask = { Left: 1, Middle: 2, Right: 4, Up: 8, Down: 16, Side: 32, Extra: 64 } as const;
export type MouseButtonMask = ValueOf<typeof MouseButtonMask>;

export const ClipType = { None: 0, Rects: 1 } as const;
export type ClipType = ValueOf<typeof ClipType>;

export const BrushType = { None: 0, Solid: 1, Pattern: 2 } as const;
export type BrushType = ValueOf<typeof BrushType>;

export const MaskFlags = { Invers: 1 } as const;

export const ImageType = {
  Bitmap: 0,
  Quic: 1,
  Reserved: 2,
  LzPlt: 100,
  LzRgb: 101,
  GlzRgb: 102,
  FromCache: 103,
  Surface: 104,
  Jpeg: 105,
  FromCacheLossless: 106,
  ZlibGlzRgb: 107,
  JpegAlpha: 108,
  Lz4: 109,
} as const;
export type ImageType = ValueOf<typeof ImageType>;

export const ImageCompression = {
  Invalid: 0,
  Off: 1,
  AutoGlz: 2,
  AutoLz: 3,
  Quic: 4,
  Glz: 5,
  Lz: 6,
  Lz4: 7,
} as const;
export type ImageCompression = ValueOf<typeof ImageCompression>;

export const ImageFlags = { CacheMe: 1, HighBitsSet: 2, CacheReplaceMe: 4 } as const;

export const BitmapFmt = {
  Invalid: 0,
  Bit1Le: 1,
  Bit1Be: 2,
  Bit4Le: 3,
  Bit4Be: 4,
  Bit8: 5,
  Bit16: 6,
  Bit24: 7,
  Bit32: 8,
  Rgba: 9,
  Bit8A: 10,
} as const;
export type BitmapFmt = ValueOf<typeof BitmapFmt>;

export const BitmapFlags = { PalCacheMe: 1, PalFromCache: 2, TopDown: 4 } as const;

export const ImageScaleMode = { Interpolate: 0, Nearest: 1 } as const;
export type ImageScaleMode = ValueOf<typeof ImageScaleMode>;

/** ROP descriptor bits (flags16 ropd). */
export const Ropd = {
  InversSrc: 1 << 0,
  InversBrush: 1 << 1,
  InversDest: 1 << 2,
  OpPut: 1 << 3,
  OpOr: 1 << 4,
  OpAnd: 1 << 5,
  OpXor: 1 << 6,
  OpBlackness: 1 << 7,
  OpWhiteness: 1 << 8,
  OpInvers: 1 << 9,
  InversRes: 1 << 10,
} as const;

export const SurfaceFmt = {
  Invalid: 0,
  A1: 1,
  A8: 8,
  X1r5g5b5: 16,
  X8r8g8b8: 32,
  R5g6b5: 80,
  A8r8g8b8: 96,
} as const;
export type SurfaceFmt = ValueOf<typeof SurfaceFmt>;

export const SurfaceFlags = { Primary: 1, StreamingMode: 2 } as const;

export const CursorType = { Alpha: 0, Mono: 1, Color4: 2, Color8: 3, Color16: 4, Color24: 5, Color32: 6 } as const;
export type CursorType = ValueOf<typeof CursorType>;

export const CursorFlags = { None: 1, CacheMe: 2, FromCache: 4 } as const;

export const NotifySeverity = { Info: 0, Warn: 1, Error: 2 } as const;
export type NotifySeverity = ValueOf<typeof NotifySeverity>;

export const NotifyVisibility = { Low: 0, Medium: 1, High: 2 } as const;
export type NotifyVisibility = ValueOf<typeof NotifyVisibility>;

/** SPICE_PORT_EVENT_*: events of a port channel (PORT_EVENT both ways). */
export const PortEvent = { Opened: 0, Closed: 1, Break: 2 } as const;
export type PortEvent = ValueOf<typeof PortEvent>;
