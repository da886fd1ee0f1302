// Every message of every channel, both ways, from spice.proto (spice-common). Channel-specific
// numbers start at 101 (201 for the port channel); the base messages are shared by all channels.
import {
  array,
  bytes,
  type ChannelDef,
  END,
  enumOf,
  f,
  flagSwitch,
  i32,
  i64,
  type Member,
  type MessageDef,
  message,
  ptr,
  sized,
  struct,
  u8,
  u16,
  u32,
  u64,
  valueSwitch,
  when,
} from './dsl.js';

const data: readonly Member[] = [f('data', bytes(END))];
const compressedData: readonly Member[] = [
  f('type', enumOf('u8', [0, 1])),
  valueSwitch('type', [when(0)], [f('uncompressedSize', u32)]),
  f('compressedData', bytes(END)),
];
const displayBase = f('base', struct('DisplayBase'));
const mask = f('mask', struct('QMask'));
const srcBitmap = f('srcBitmap', ptr(struct('Image')));
const srcArea = f('srcArea', struct('Rect'));
const rop = f('ropDescriptor', u16);
const scaleMode = f('scaleMode', enumOf('u8', [0, 1]));
const disconnect: readonly Member[] = [f('timestamp', u64), f('reason', u32)];
const dstInfo: readonly Member[] = [
  f('port', u16),
  f('sport', u16),
  f('hostSize', u32),
  f('hostData', ptr(bytes(sized('hostSize')))),
  f('certSubjectSize', u32),
  f('certSubjectData', ptr(bytes(sized('certSubjectSize')))),
];
const audioVolume: readonly Member[] = [f('nchannels', u8), f('volume', array(u16, sized('nchannels')))];
const vsc: readonly Member[] = [
  f('type', u32),
  f('readerId', u32),
  f('length', u32),
  f('data', bytes(sized('length'))),
];
/** Upper bound on listed channels (256 ids × 12 types is far above any real server). */
export const MAX_LISTED_CHANNELS = 4096;
/** Most monitor heads in one MONITORS_CONFIG (the agent limit is 256). */
export const MAX_MONITOR_HEADS = 256;
const HAS_MASK = 1 << 19;
const HAS_SRC_TRANSFORM = 1 << 20;
const HAS_MASK_TRANSFORM = 1 << 21;

export const base: ChannelDef = {
  name: 'base',
  constPrefix: 'Base',
  server: [
    message('migrate', 'MIGRATE', 1, [f('flags', u32)]),
    message('migrateData', 'MIGRATE_DATA', 2, data),
    message('setAck', 'SET_ACK', 3, [f('generation', u32), f('window', u32)]),
    message('ping', 'PING', 4, [f('id', u32), f('timestamp', u64), f('data', bytes(END))]),
    message('waitForChannels', 'WAIT_FOR_CHANNELS', 5, [
      f('waitCount', u8),
      f('waitList', array(struct('ChannelWait'), sized('waitCount'))),
    ]),
    message('disconnecting', 'DISCONNECTING', 6, disconnect),
    message('notify', 'NOTIFY', 7, [
      f('timestamp', u64),
      f('severity', u32),
      f('visibility', u32),
      f('what', u32),
      f('messageLen', u32),
      f('message', bytes(sized('messageLen'))),
      // libspice-server follows the text with a NUL that messageLen does not count (spice.proto
      // leaves it out); kept so that a captured NOTIFY re-encodes byte-identical.
      f('trailer', bytes(END)),
    ]),
    // SpiceSubMessageList: u16 count, then u32 offsets of the sub-messages.
    message('list', 'LIST', 8, [
      f('size', u16),
      f('subMessages', array(ptr(struct('SubMessage'), true), sized('size'))),
    ]),
  ],
  client: [
    message('ackSync', 'ACK_SYNC', 1, [f('generation', u32)]),
    message('ack', 'ACK', 2),
    message('pong', 'PONG', 3, [f('id', u32), f('timestamp', u64)]),
    message('migrateFlushMark', 'MIGRATE_FLUSH_MARK', 4),
    message('clientMigrateData', 'MIGRATE_DATA', 5, data),
    message('clientDisconnecting', 'DISCONNECTING', 6, disconnect),
  ],
};

export const main: ChannelDef = {
  name: 'main',
  constPrefix: 'Main',
  server: [
    message('migrateBegin', 'MAIN_MIGRATE_BEGIN', 101, [f('dstInfo', struct('DstInfo'))]),
    message('migrateCancel', 'MAIN_MIGRATE_CANCEL', 102),
    message('mainInit', 'MAIN_INIT', 103, [
      f('sessionId', u32),
      f('displayChannelsHint', u32),
      f('supportedMouseModes', u32),
      f('currentMouseMode', u32),
      f('agentConnected', u32),
      f('agentTokens', u32),
      f('multiMediaTime', u32),
      f('ramHint', u32),
    ]),
    message('channelsList', 'MAIN_CHANNELS_LIST', 104, [
      f('numOfChannels', u32),
      f('channels', array(struct('ChannelId'), sized('numOfChannels'), MAX_LISTED_CHANNELS)),
    ]),
    message('mouseMode', 'MAIN_MOUSE_MODE', 105, [f('supportedModes', u16), f('currentMode', u16)]),
    message('multiMediaTime', 'MAIN_MULTI_MEDIA_TIME', 106, [f('time', u32)]),
    message('agentConnected', 'MAIN_AGENT_CONNECTED', 107),
    message('agentDisconnected', 'MAIN_AGENT_DISCONNECTED', 108, [f('errorCode', u32)]),
    message('agentData', 'MAIN_AGENT_DATA', 109, data),
    message('serverAgentToken', 'MAIN_AGENT_TOKEN', 110, [f('numTokens', u32)]),
    message('migrateSwitchHost', 'MAIN_MIGRATE_SWITCH_HOST', 111, dstInfo),
    message('migrateEnd', 'MAIN_MIGRATE_END', 112),
    message('mainName', 'MAIN_NAME', 113, [f('nameLen', u32), f('name', bytes(sized('nameLen')))]),
    message('mainUuid', 'MAIN_UUID', 114, [f('uuid', bytes({ fixed: 16 }))]),
    message('agentConnectedTokens', 'MAIN_AGENT_CONNECTED_TOKENS', 115, [f('numTokens', u32)]),
    message('migrateBeginSeamless', 'MAIN_MIGRATE_BEGIN_SEAMLESS', 116, [
      f('dstInfo', struct('DstInfo')),
      f('srcMigVersion', u32),
    ]),
    message('migrateDstSeamlessAck', 'MAIN_MIGRATE_DST_SEAMLESS_ACK', 117),
    message('migrateDstSeamlessNack', 'MAIN_MIGRATE_DST_SEAMLESS_NACK', 118),
  ],
  client: [
    message('clientInfo', 'MAINC_CLIENT_INFO', 101, [f('cacheSize', u64)]),
    message('migrateConnected', 'MAINC_MIGRATE_CONNECTED', 102),
    message('migrateConnectError', 'MAINC_MIGRATE_CONNECT_ERROR', 103),
    message('attachChannels', 'MAINC_ATTACH_CHANNELS', 104),
    message('mouseModeRequest', 'MAINC_MOUSE_MODE_REQUEST', 105, [f('mode', u16)]),
    message('agentStart', 'MAINC_AGENT_START', 106, [f('numTokens', u32)]),
    message('clientAgentData', 'MAINC_AGENT_DATA', 107, data),
    message('agentToken', 'MAINC_AGENT_TOKEN', 108, [f('numTokens', u32)]),
    message('clientMigrateEnd', 'MAINC_MIGRATE_END', 109),
    message('migrateDstDoSeamless', 'MAINC_MIGRATE_DST_DO_SEAMLESS', 110, [f('srcVersion', u32)]),
    message('migrateConnectedSeamless', 'MAINC_MIGRATE_CONNECTED_SEAMLESS', 111),
    message('qualityIndicator', 'MAINC_QUALITY_INDICATOR', 112, data),
  ],
};

const display_server: readonly MessageDef[] = [
  message('mode', 'DISPLAY_MODE', 101, [f('xRes', u32), f('yRes', u32), f('bits', u32)]),
  message('mark', 'DISPLAY_MARK', 102),
  message('displayReset', 'DISPLAY_RESET', 103),
  message('copyBits', 'DISPLAY_COPY_BITS', 104, [displayBase, f('srcPos', struct('Point'))]),
  message('invalList', 'DISPLAY_INVAL_LIST', 105, [
    f('count', u16),
    f('resources', array(struct('ResourceId'), sized('count'))),
  ]),
  message('invalAllPixmaps', 'DISPLAY_INVAL_ALL_PIXMAPS', 106, [
    f('waitCount', u8),
    f('waitList', array(struct('ChannelWait'), sized('waitCount'))),
  ]),
  message('invalPalette', 'DISPLAY_INVAL_PALETTE', 107, [f('id', u64)]),
  message('invalAllPalettes', 'DISPLAY_INVAL_ALL_PALETTES', 108),
  message('streamCreate', 'DISPLAY_STREAM_CREATE', 122, [
    f('surfaceId', u32),
    f('id', u32),
    f('flags', u8),
    f('codecType', enumOf('u8', [1, 2, 3, 4, 5])),
    f('stamp', u64),
    f('streamWidth', u32),
    f('streamHeight', u32),
    f('srcWidth', u32),
    f('srcHeight', u32),
    f('dest', struct('Rect')),
    f('clip', struct('Clip')),
  ]),
  message('streamData', 'DISPLAY_STREAM_DATA', 123, [
    f('base', struct('StreamDataHeader')),
    f('dataSize', u32),
    f('data', bytes(sized('dataSize'))),
  ]),
  message('streamClip', 'DISPLAY_STREAM_CLIP', 124, [f('id', u32), f('clip', struct('Clip'))]),
  message('streamDestroy', 'DISPLAY_STREAM_DESTROY', 125, [f('id', u32)]),
  message('streamDestroyAll', 'DISPLAY_STREAM_DESTROY_ALL', 126),
  message('drawFill', 'DISPLAY_DRAW_FILL', 302, [displayBase, f('brush', struct('Brush')), rop, mask]),
  message('drawOpaque', 'DISPLAY_DRAW_OPAQUE', 303, [
    displayBase,
    srcBitmap,
    srcArea,
    f('brush', struct('Brush')),
    rop,
    scaleMode,
    mask,
  ]),
  message('drawCopy', 'DISPLAY_DRAW_COPY', 304, [displayBase, srcBitmap, srcArea, rop, scaleMode, mask]),
  message('drawBlend', 'DISPLAY_DRAW_BLEND', 305, [displayBase, srcBitmap, srcArea, rop, scaleMode, mask]),
  message('drawBlackness', 'DISPLAY_DRAW_BLACKNESS', 306, [displayBase, mask]),
  message('drawWhiteness', 'DISPLAY_DRAW_WHITENESS', 307, [displayBase, mask]),
  message('drawInvers', 'DISPLAY_DRAW_INVERS', 308, [displayBase, mask]),
  message('drawRop3', 'DISPLAY_DRAW_ROP3', 309, [
    displayBase,
    srcBitmap,
    srcArea,
    f('brush', struct('Brush')),
    f('rop3', u8),
    scaleMode,
    mask,
  ]),
  message('drawStroke', 'DISPLAY_DRAW_STROKE', 310, [
    displayBase,
    f('path', ptr(struct('Path'), true)),
    f('attr', struct('LineAttr')),
    f('brush', struct('Brush')),
    f('foreMode', u16),
    f('backMode', u16),
  ]),
  message('drawText', 'DISPLAY_DRAW_TEXT', 311, [
    displayBase,
    f('str', ptr(struct('SpiceString'), true)),
    f('backArea', struct('Rect')),
    f('foreBrush', struct('Brush')),
    f('backBrush', struct('Brush')),
    f('foreMode', u16),
    f('backMode', u16),
  ]),
  message('drawTransparent', 'DISPLAY_DRAW_TRANSPARENT', 312, [
    displayBase,
    srcBitmap,
    srcArea,
    f('srcColor', u32),
    f('trueColor', u32),
  ]),
  message('drawAlphaBlend', 'DISPLAY_DRAW_ALPHA_BLEND', 313, [
    displayBase,
    f('alphaFlags', u8),
    f('alpha', u8),
    srcBitmap,
    srcArea,
  ]),
  message('surfaceCreate', 'DISPLAY_SURFACE_CREATE', 314, [
    f('surfaceId', u32),
    f('width', u32),
    f('height', u32),
    f('format', u32),
    f('flags', u32),
  ]),
  message('surfaceDestroy', 'DISPLAY_SURFACE_DESTROY', 315, [f('surfaceId', u32)]),
  message('streamDataSized', 'DISPLAY_STREAM_DATA_SIZED', 316, [
    f('base', struct('StreamDataHeader')),
    f('width', u32),
    f('height', u32),
    f('dest', struct('Rect')),
    f('dataSize', u32),
    f('data', bytes(sized('dataSize'))),
  ]),
  message('monitorsConfig', 'DISPLAY_MONITORS_CONFIG', 317, [
    f('count', u16),
    f('maxAllowed', u16),
    f('heads', array(struct('Head'), sized('count'), MAX_MONITOR_HEADS)),
  ]),
  message('drawComposite', 'DISPLAY_DRAW_COMPOSITE', 318, [
    displayBase,
    f('flags', u32),
    srcBitmap,
    flagSwitch('flags', [when(HAS_MASK, f('maskBitmap', ptr(struct('Image'))))]),
    flagSwitch('flags', [when(HAS_SRC_TRANSFORM, f('srcTransform', struct('Transform')))]),
    flagSwitch('flags', [when(HAS_MASK_TRANSFORM, f('maskTransform', struct('Transform')))]),
    f('srcOrigin', struct('Point16')),
    f('maskOrigin', struct('Point16')),
  ]),
  message('streamActivateReport', 'DISPLAY_STREAM_ACTIVATE_REPORT', 319, [
    f('streamId', u32),
    f('uniqueId', u32),
    f('maxWindowSize', u32),
    f('timeoutMs', u32),
  ]),
  // The dma-buf fd travels out of band (SCM_RIGHTS); the body carries the rest.
  message('glScanoutUnix', 'DISPLAY_GL_SCANOUT_UNIX', 320, [
    f('width', u32),
    f('height', u32),
    f('stride', u32),
    f('drmFourccFormat', u32),
    f('flags', u32),
  ]),
  message('glDraw', 'DISPLAY_GL_DRAW', 321, [f('x', u32), f('y', u32), f('w', u32), f('h', u32)]),
  message('qualityIndicator', 'DISPLAY_QUALITY_INDICATOR', 322, data),
];

export const display: ChannelDef = {
  name: 'display',
  constPrefix: 'Display',
  server: display_server,
  client: [
    message('displayInit', 'DISPLAYC_INIT', 101, [
      f('pixmapCacheId', u8),
      f('pixmapCacheSize', i64),
      f('glzDictionaryId', u8),
      f('glzDictionaryWindowSize', i32),
    ]),
    message('streamReport', 'DISPLAYC_STREAM_REPORT', 102, [
      f('streamId', u32),
      f('uniqueId', u32),
      f('startFrameMmTime', u32),
      f('endFrameMmTime', u32),
      f('numFrames', u32),
      f('numDrops', u32),
      f('lastFrameDelay', i32),
      f('audioDelay', u32),
    ]),
    message('preferredCompression', 'DISPLAYC_PREFERRED_COMPRESSION', 103, [f('compression', u8)]),
    message('glDrawDone', 'DISPLAYC_GL_DRAW_DONE', 104),
    message('preferredVideoCodecType', 'DISPLAYC_PREFERRED_VIDEO_CODEC_TYPE', 105, [
      f('numOfCodecs', u8),
      f('codecs', array(u8, sized('numOfCodecs'))),
    ]),
  ],
};

export const inputs: ChannelDef = {
  name: 'inputs',
  constPrefix: 'Inputs',
  server: [
    message('inputsInit', 'INPUTS_INIT', 101, [f('keyboardModifiers', u16)]),
    message('inputsKeyModifiers', 'INPUTS_KEY_MODIFIERS', 102, [f('modifiers', u16)]),
    message('mouseMotionAck', 'INPUTS_MOUSE_MOTION_ACK', 111),
  ],
  client: [
    message('keyDown', 'INPUTSC_KEY_DOWN', 101, [f('code', u32)]),
    message('keyUp', 'INPUTSC_KEY_UP', 102, [f('code', u32)]),
    message('clientKeyModifiers', 'INPUTSC_KEY_MODIFIERS', 103, [f('modifiers', u16)]),
    message('keyScancode', 'INPUTSC_KEY_SCANCODE', 104, data),
    message('mouseMotion', 'INPUTSC_MOUSE_MOTION', 111, [f('dx', i32), f('dy', i32), f('buttons', u16)]),
    message('mousePosition', 'INPUTSC_MOUSE_POSITION', 112, [
      f('x', u32),
      f('y', u32),
      f('buttons', u16),
      f('displayId', u8),
    ]),
    message('mousePress', 'INPUTSC_MOUSE_PRESS', 113, [f('button', u8), f('buttons', u16)]),
    message('mouseRelease', 'INPUTSC_MOUSE_RELEASE', 114, [f('button', u8), f('buttons', u16)]),
  ],
};

export const cursor: ChannelDef = {
  name: 'cursor',
  constPrefix: 'Cursor',
  server: [
    message('cursorInit', 'CURSOR_INIT', 101, [
      f('position', struct('Point16')),
      f('trailLength', u16),
      f('trailFrequency', u16),
      f('visible', u8),
      f('cursor', struct('Cursor')),
    ]),
    message('cursorReset', 'CURSOR_RESET', 102),
    message('cursorSet', 'CURSOR_SET', 103, [
      f('position', struct('Point16')),
      f('visible', u8),
      f('cursor', struct('Cursor')),
    ]),
    message('cursorMove', 'CURSOR_MOVE', 104, [f('position', struct('Point16'))]),
    message('cursorHide', 'CURSOR_HIDE', 105),
    message('cursorTrail', 'CURSOR_TRAIL', 106, [f('length', u16), f('frequency', u16)]),
    message('cursorInvalOne', 'CURSOR_INVAL_ONE', 107, [f('id', u64)]),
    message('cursorInvalAll', 'CURSOR_INVAL_ALL', 108),
  ],
  client: [],
};

export const playback: ChannelDef = {
  name: 'playback',
  constPrefix: 'Playback',
  server: [
    message('data', 'PLAYBACK_DATA', 101, [f('time', u32), f('data', bytes(END))]),
    message('mode', 'PLAYBACK_MODE', 102, [f('time', u32), f('mode', u16), f('data', bytes(END))]),
    message('start', 'PLAYBACK_START', 103, [
      f('channels', u32),
      f('format', u16),
      f('frequency', u32),
      f('time', u32),
    ]),
    message('stop', 'PLAYBACK_STOP', 104),
    message('volume', 'PLAYBACK_VOLUME', 105, audioVolume),
    message('mute', 'PLAYBACK_MUTE', 106, [f('mute', u8)]),
    message('latency', 'PLAYBACK_LATENCY', 107, [f('latencyMs', u32)]),
  ],
  client: [],
};

export const record: ChannelDef = {
  name: 'record',
  constPrefix: 'Record',
  server: [
    message('start', 'RECORD_START', 101, [f('channels', u32), f('format', u16), f('frequency', u32)]),
    message('stop', 'RECORD_STOP', 102),
    message('volume', 'RECORD_VOLUME', 103, audioVolume),
    message('mute', 'RECORD_MUTE', 104, [f('mute', u8)]),
  ],
  client: [
    message('data', 'RECORDC_DATA', 101, [f('time', u32), f('data', bytes(END))]),
    message('mode', 'RECORDC_MODE', 102, [f('time', u32), f('mode', u16), f('data', bytes(END))]),
    message('startMark', 'RECORDC_START_MARK', 103, [f('time', u32)]),
  ],
};

export const smartcard: ChannelDef = {
  name: 'smartcard',
  constPrefix: 'Smartcard',
  server: [message('data', 'SMARTCARD_DATA', 101, vsc)],
  client: [message('clientData', 'SMARTCARDC_DATA', 101, vsc)],
};

/** usbredir and webdav speak spicevmc; the port channel adds PORT_INIT / PORT_EVENT. */
export const spicevmc: ChannelDef = {
  name: 'spicevmc',
  constPrefix: 'Spicevmc',
  server: [
    message('data', 'SPICEVMC_DATA', 101, data),
    message('compressedData', 'SPICEVMC_COMPRESSED_DATA', 102, compressedData),
  ],
  client: [
    message('clientData', 'SPICEVMCC_DATA', 101, data),
    message('clientCompressedData', 'SPICEVMCC_COMPRESSED_DATA', 102, compressedData),
  ],
};

export const port: ChannelDef = {
  name: 'port',
  constPrefix: 'Port',
  server: [
    message('init', 'PORT_INIT', 201, [
      f('nameSize', u32),
      f('name', ptr(bytes(sized('nameSize')), true)),
      f('opened', u8),
    ]),
    message('event', 'PORT_EVENT', 202, [f('event', u8)]),
  ],
  client: [message('clientEvent', 'PORTC_EVENT', 201, [f('event', u8)])],
};

export const channels: readonly ChannelDef[] = [
  base,
  main,
  display,
  inputs,
  cursor,
  playback,
  record,
  smartcard,
  spicevmc,
  port,
];
