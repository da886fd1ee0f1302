import {
  type ChannelComponents,
  type ChannelFactory,
  type OutgoingMessage,
  RedChannel,
  type RedChannelClient,
} from '@spice-ts/channel';
import { ChannelType, DisplayMsgc, display, SurfaceFlags } from '@spice-ts/protocol';
import { SCENE_SURFACE_FORMAT, type Scene } from './scene.js';
import { encodeSceneDraw } from './wire.js';

/** ACK window announced in SET_ACK (upstream CLIENT_ACK_WINDOW, as the display worker uses). */
export const SCENE_ACK_WINDOW = 20;
/** Largest client message accepted (DISPLAY_INIT and friends are a few bytes; upstream 1 KiB). */
const SCENE_MAX_CLIENT_MESSAGE = 1024;

export interface SceneDisplayChannelInit {
  /** Channel id; default 0. */
  id?: number;
  /** Called once the last draw of the scene has been handed to the client's pipe. */
  onSent?: (rcc: RedChannelClient) => void;
}

/**
 * A display channel that paints one scene: after the client's DISPLAY_INIT it sends SURFACE_CREATE
 * of a primary of the scene's size and of each off-screen surface, MARK, then every draw of the
 * scene in order, encoded by
 * @spice-ts/protocol. ACKs are the framework's (SET_ACK is sent on connect). A channel plugin of
 * the SDK: give it to `createSpiceServer({ channels: [sceneDisplayChannel(scene)] })`.
 */
export function sceneDisplayChannel(scene: Scene, init: SceneDisplayChannelInit = {}): ChannelFactory {
  const messages = (): OutgoingMessage[] => [
    {
      type: display.surfaceCreate.type,
      body: display.surfaceCreate.encode({
        surfaceId: 0,
        width: scene.width,
        height: scene.height,
        format: SCENE_SURFACE_FORMAT,
        flags: SurfaceFlags.Primary,
      }),
    },
    ...(scene.surfaces ?? []).map((s) => ({
      type: display.surfaceCreate.type,
      body: display.surfaceCreate.encode({
        surfaceId: s.id,
        width: s.width,
        height: s.height,
        format: s.format,
        flags: 0,
      }),
    })),
    { type: display.mark.type, body: [] },
    ...scene.draws.map(encodeSceneDraw),
  ];
  return (components: ChannelComponents) => {
    const ready = new WeakSet<RedChannelClient>();
    return new RedChannel({
      type: ChannelType.Display,
      id: init.id ?? 0,
      name: `scene-display:${init.id ?? 0}`,
      handleAcks: true,
      ackWindow: SCENE_ACK_WINDOW,
      maxMessageSize: SCENE_MAX_CLIENT_MESSAGE,
      multiClient: true,
      logger: components.logger,
      ...(components.stats ? { stats: components.stats } : {}),
      handler: {
        connect(rcc) {
          rcc.startAckWindow(SCENE_ACK_WINDOW);
        },
        handleMessage(rcc, message) {
          if (message.type !== DisplayMsgc.Init || ready.has(rcc)) return; // compression prefs, reports: nothing to do
          ready.add(rcc);
          const all = messages();
          all.forEach((m, i) => {
            rcc.pipeAdd({
              kind: i < all.length - scene.draws.length ? 'scene-surface' : 'scene-draw',
              size: m.body.reduce((n, c) => n + c.byteLength, 6),
              marshal: () => m,
            });
          });
          init.onSent?.(rcc);
        },
      },
    });
  };
}
