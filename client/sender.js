// sender.js — the own player's inputs to the server: one per server step by the clock
// estimate (the room paces them, room.js), and, in a game that fires, one early when fire was
// just pressed, so that the shot shows in this very frame; each is the game's payload (its
// `input` and codec, games/index.js) after the connection's growing seq. Also the aim: the
// touch aim stick's angle, else the angle from the own player as drawn to the pointer.
//
// Owns: the seq of the connection's inputs, the fire press not yet sent, the last aim. Must
// not: decide what the game does with an input (the room predicts it) or draw.

export class InputSender {
  /** @param controls input.js's Controls. */
  constructor(controls) {
    this.controls = controls;
    /** The seq of the last Input this connection sent: it grows across rooms (PROTOCOL.md 4.3). */
    this.seq = 0;
    /** A fire press no input has carried yet: { at (Controls.takeFirePress), frame }. */
    this.firePress = null;
    this.aim = 0;
  }

  /** A new connection: its seqs start again. */
  connected() {
    this.seq = 0;
  }

  /** A new room: a press made outside it fires nothing. */
  enteredRoom() {
    this.firePress = null;
  }

  /**
   * The touch aim stick's angle, else the angle from the own player (as drawn, placed on the
   * page by `renderer`) to the pointer, else the last one.
   */
  currentAim(room, renderer, now) {
    const stick = this.controls.aimAngle();
    if (stick !== null) {
      this.aim = stick;
      return this.aim;
    }
    const point = this.controls.aimPoint();
    const own = room?.displayedOwnPosition(now);
    if (point && own) {
      const from = renderer.worldToPage(own.x, own.y);
      if (point.x !== from.x || point.y !== from.y) {
        this.aim = Math.atan2(point.y - from.y, point.x - from.x);
      }
    }
    return this.aim;
  }

  /** Sends the inputs due now on the open `connection`; `frame` counts the frames drawn. */
  sendDue(connection, room, game, renderer, now, frame) {
    const controls = this.controls;
    const pressAt = controls.takeFirePress();
    if (pressAt !== null && game.aims) this.firePress = { at: pressAt, frame };
    const due = room.inputsDue(now, connection.rttMs, this.firePress !== null);
    for (let i = 0; i < due; i++) {
      const press = this.firePress;
      this.firePress = null;
      this.seq += 1;
      const fields = game.input({
        movement: controls.movement(),
        aim: game.aims ? this.currentAim(room, renderer, now) : 0,
        fire: game.aims && (controls.firing() || press !== null),
        renderTick: room.inputRenderTick(now),
      });
      const payload = game.codec.encodeInput(fields);
      if (connection.send({ type: "Input", seq: this.seq, payload })) {
        room.localInput({ seq: this.seq, ...fields }, press, now);
      }
    }
  }
}
