// Message type numbers per channel, server→client (…Msg) and client→server (…Msgc).
// From spice-protocol spice/enums.h. Channel-specific numbers start at 101.

type ValueOf<T> = T[keyof T];

export const BaseMsg = {
  Migrate: 1,
  MigrateData: 2,
  SetAck: 3,
  Ping: 4,
  WaitForChannels: 5,
  Disconnecting: 6,
  Notify: 7,
  List: 8,
} as const;
export type BaseMsg = ValueOf<typeof BaseMsg>;

export const BaseMsgc = {
  AckSync: 1,
  Ack: 2,
  Pong: 3,
  MigrateFlushMark: 4,
  MigrateData: 5,
  Disconnecting: 6,
} as const;
export type BaseMsgc = ValueOf<typeof BaseMsgc>;

export const MainMsg = {
  MigrateBegin: 101,
  MigrateCancel: 102,
  Init: 103,
  ChannelsList: 104,
  MouseMode: 105,
  MultiMediaTime: 106,
  AgentConnected: 107,
  AgentDisconnected: 108,
  AgentData: 109,
  AgentToken: 110,
  MigrateSwitchHost: 111,
  MigrateEnd: 112,
  Name: 113,
  Uuid: 114,
  AgentConnectedTokens: 115,
  MigrateBeginSeamless: 116,
  MigrateDstSeamlessAck: 117,
  MigrateDstSeamlessNack: 118,
} as const;
export type MainMsg = ValueOf<typeof MainMsg>;

export const MainMsgc = {
  ClientInfo: 101,
  MigrateConnected: 102,
  MigrateConnectError: 103,
  AttachChannels: 104,
  MouseModeRequest: 105,
  AgentStart: 106,
  AgentData: 107,
  AgentToken: 108,
  MigrateEnd: 109,
  MigrateDstDoSeamless: 110,
  MigrateConnectedSeamless: 111,
  QualityIndicator: 112,
} as const;
export type MainMsgc = ValueOf<typeof MainMsgc>;

export const DisplayMsg = {
  Mode: 101,
  Mark: 102,
  Reset: 103,
  CopyBits: 104,
  InvalList: 105,
  InvalAllPixmaps: 106,
  InvalPalette: 107,
  InvalAllPalettes: 108,
  StreamCreate: 122,
  StreamData: 123,
  StreamClip: 124,
  StreamDestroy: 125,
  StreamDestroyAll: 126,
  DrawFill: 302,
  DrawOpaque: 303,
  DrawCopy: 304,
  DrawBlend: 305,
  DrawBlackness: 306,
  DrawWhiteness: 307,
  DrawInvers: 308,
  DrawRop3: 309,
  DrawStroke: 310,
  DrawText: 311,
  DrawTransparent: 312,
  DrawAlphaBlend: 313,
  SurfaceCreate: 314,
  SurfaceDestroy: 315,
  StreamDataSized: 316,
  MonitorsConfig: 317,
  DrawComposite: 318,
  StreamActivateReport: 319,
  GlScanoutUnix: 320,
  GlDraw: 321,
  QualityIndicator: 322,
} as const;
export type DisplayMsg = ValueOf<typeof DisplayMsg>;

export const DisplayMsgc = {
  Init: 101,
  StreamReport: 102,
  PreferredCompression: 103,
  GlDrawDone: 104,
  PreferredVideoCodecType: 105,
} as const;
export type DisplayMsgc = ValueOf<typeof DisplayMsgc>;

export const InputsMsg = {
  Init: 101,
  KeyModifiers: 102,
  MouseMotionAck: 111,
} as const;
export type InputsMsg = ValueOf<typeof InputsMsg>;

export const InputsMsgc = {
  KeyDown: 101,
  KeyUp: 102,
  KeyModifiers: 103,
  KeyScancode: 104,
  MouseMotion: 111,
  MousePosition: 112,
  MousePress: 113,
  MouseRelease: 114,
} as const;
export type InputsMsgc = ValueOf<typeof InputsMsgc>;

export const CursorMsg = {
  Init: 101,
  Reset: 102,
  Set: 103,
  Move: 104,
  Hide: 105,
  Trail: 106,
  InvalOne: 107,
  InvalAll: 108,
} as const;
export type CursorMsg = ValueOf<typeof CursorMsg>;

/** The cursor channel has no client messages beyond the base ones. */
export const CursorMsgc = {} as const;

/** How many motion messages the server acknowledges at once (SPICE_INPUT_MOTION_ACK_BUNCH). */
export const INPUT_MOTION_ACK_BUNCH = 4;
