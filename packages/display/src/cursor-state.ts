import type { OutgoingMessage } from '@spice-ts/channel';
import { cursor } from '@spice-ts/protocol';
import type { QxlCursorCommand, QxlCursorShape } from '@spice-ts/qxl';

/**
 * The cursor as the guest last set it: shape, position, visibility, trail. New cursor clients get
 * it in CURSOR_INIT; changes become SET / MOVE / HIDE / TRAIL messages.
 */
export class CursorState {
  position = { x: 0, y: 0 };
  visible = false;
  shape: QxlCursorShape | null = null;
  trail = { length: 0, frequency: 0 };

  private wireCursor(): cursor.Cursor {
    const s = this.shape;
    if (!s) return cursor.NO_CURSOR;
    return {
      flags: 0,
      header: { unique: s.unique, type: s.type, width: s.width, height: s.height, hotSpotX: s.hotX, hotSpotY: s.hotY },
      data: s.data,
    };
  }

  initMessage(): OutgoingMessage {
    return {
      type: cursor.cursorInit.type,
      body: cursor.cursorInit.encode({
        position: this.position,
        trailLength: this.trail.length,
        trailFrequency: this.trail.frequency,
        visible: this.visible && this.shape !== null,
        cursor: this.wireCursor(),
      }),
    };
  }

  /** The cursor as it is now, as one message: SET with shape and position, or HIDE. */
  currentMessage(): OutgoingMessage {
    if (!this.visible || !this.shape) return { type: cursor.cursorHide.type, body: [] };
    return {
      type: cursor.cursorSet.type,
      body: cursor.cursorSet.encode({ position: this.position, visible: true, cursor: this.wireCursor() }),
    };
  }

  /**
   * Applies a guest cursor command; returns the message for clients, or null when none is due
   * (a MOVE in client mouse mode: the client draws the pointer where its own mouse is).
   */
  apply(command: QxlCursorCommand, serverMouse: boolean): OutgoingMessage | null {
    switch (command.type) {
      case 'set':
        this.shape = command.shape;
        this.position = command.pos;
        this.visible = command.visible;
        return {
          type: cursor.cursorSet.type,
          body: cursor.cursorSet.encode({ position: this.position, visible: this.visible, cursor: this.wireCursor() }),
        };
      case 'move':
        this.position = command.pos;
        this.visible = true;
        return serverMouse
          ? { type: cursor.cursorMove.type, body: cursor.cursorMove.encode({ position: this.position }) }
          : null;
      case 'hide':
        this.visible = false;
        return { type: cursor.cursorHide.type, body: [] };
      case 'trail':
        this.trail = { length: command.length, frequency: command.frequency };
        return { type: cursor.cursorTrail.type, body: cursor.cursorTrail.encode(this.trail) };
    }
  }
}
