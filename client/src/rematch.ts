/**
 * Play again: on the result screen the host gets a "Play again" button (the `rematch` message), the
 * other players read that the host decides, a spectator gets neither. The room's phase going back
 * to "lobby" then takes every player to the waiting room.
 */
import type { GameState } from "../../src/schema/GameState.ts";
import { h } from "./dom.ts";
import type { RoomSession } from "./session.ts";

/** Puts the host's button (or the others' line) into the result dialog, drawn again when the host or the connection changes. */
export function playAgainControls(dialog: HTMLElement, state: GameState, session: RoomSession) {
  if (state.phase !== "finished" || !state.players.has(session.me)) return;
  const row = dialog.querySelector(".winner-card .row") ?? dialog.querySelector(".winner-card");
  if (!row) return;
  const host = state.hostId === session.me;
  const off = session.waiting("rematch") || !session.connected;
  const key = `${host}:${off}`;
  const shown = dialog.querySelector<HTMLElement>("[data-rematch]");
  if (shown?.dataset.rematch === key) return;
  const control = host
    ? h(
        "button",
        {
          class: "btn btn-primary",
          "data-testid": "play-again",
          "data-rematch": key,
          "aria-disabled": String(off),
          onclick: () => {
            if (!session.waiting("rematch") && session.connected) session.send("rematch");
          },
        },
        "Play again",
      )
    : h("p", { class: "muted", role: "status", "data-testid": "waiting-for-host", "data-rematch": key }, "Waiting for the host to play again…");
  if (shown) shown.replaceWith(control);
  else row.prepend(control);
}
