// The inputs channel codecs are generated from the schema (src/schema/channels.ts); this module keeps
// the names and shapes the hand-written ones had.

export type {
  KeyDownMessage as KeyCode,
  MouseMotionMessage as MouseMotion,
  MousePositionMessage as MousePosition,
  MousePressMessage as MouseButtonEvent,
} from '../generated/inputs.js';
export {
  clientKeyModifiers,
  inputsInit,
  inputsKeyModifiers,
  keyDown,
  keyScancode,
  keyUp,
  mouseMotion,
  mouseMotionAck,
  mousePosition,
  mousePress,
  mouseRelease,
} from '../generated/inputs.js';
