/**
 * One seat in one `game` room, across connections: sends actions with an opId and tracks them until
 * the server's `ack` or `error` (a refusal because the game is paused is sent again, same opId),
 * keeps the event log and chat (the server replays its latest on every join and return), remembers
 * the seat token the room hands out, and reports connection changes. When the seat is taken back on
 * a new connection (`attach`), the screens stay and simply follow the new room.
 */
import { CloseCode, type Room } from "@colyseus/sdk";
import type { AckMessage, ChatMessage, ClientMessageType, ErrorMessage, EventMessage, HistoryMessage, SeatMessage } from "../../src/messages/contract.ts";
import type { GameState } from "../../src/schema/GameState.ts";
import { notice, showBanner, toast } from "./notices.ts";
import { saveRoom, saveSeat, saveSeatToken } from "./storage.ts";

export type GameRoom = Room<GameState>;

/** `reconnecting`: the SDK is retrying the same connection; `rejoining`: we ask for the seat back by token. */
export type Connection = "connected" | "reconnecting" | "rejoining";

export interface SessionHooks {
  /**
   * The connection ended for us: `left` when we asked for it, else the close code and reason, and
   * whether the SDK had been trying to reconnect it (and gave up).
   */
  ended(how: { left: true } | { left: false; code: number; reason?: string; afterDrop: boolean }): void;
}

type Listener = () => void;

interface Pending {
  type: ClientMessageType;
  payload: Record<string, unknown>;
  timer: ReturnType<typeof setTimeout>;
  /** Refusals because the game is paused so far, and since when. */
  pauses: number;
  pausedSince: number;
}

/** How long an action may wait for its answer before its button is usable again. */
const ANSWER_TIMEOUT_MS = 10_000;
/** An action refused because the game is paused is sent again after 1 s, 2 s, 4 s, then every 5 s... */
const PAUSE_RETRY_MAX_MS = 5000;
/** ...for this long; then the person is told and may try again. */
const PAUSE_GIVE_UP_MS = 120_000;

export class RoomSession {
  /**
   * The latest events of the room's current game (a rematch starts them again, with its own event)
   * and chat lines; `eventCount`/`chatCount` count every one ever received.
   */
  readonly events: EventMessage[] = [];
  /** One more at every rematch: the log of the game before is no longer shown. */
  game = 0;
  readonly chats: ChatMessage[] = [];
  eventCount = 0;
  chatCount = 0;
  connection: Connection = "connected";
  /**
   * The server's refusal of the last chat line sent, shown by the chat box itself (a toast sits at
   * the top of the screen, far from a chat box at the bottom of a phone's page); null once a line goes through.
   */
  chatRefusal: string | null = null;
  /** The current connection (after a rejoin, a new Room with the same sessionId). */
  room!: GameRoom;

  private readonly inFlight = new Map<string, Pending>();
  private readonly listeners = new Set<Listener>();
  /** The room whose state is shown: the previous connection's until the new one has its first state. */
  private shown: GameRoom | null = null;
  private seatToken: string | null = null;
  private savedSeat = "";
  private nextOp = 0;
  private leaving = false;
  /** The current connection dropped (the SDK then tries to reconnect it, unless it was joined moments ago). */
  private dropped = false;
  private notifyQueued = false;

  /** `code`: the room's join code when it is known before its state arrives (taking a seat back). */
  constructor(
    room: GameRoom,
    private readonly hooks: SessionHooks,
    private knownCode: string | null = null,
  ) {
    this.attach(room);
  }

  get me(): string {
    return this.room.sessionId;
  }

  get connected(): boolean {
    return this.connection === "connected";
  }

  /** The room's join code, once known. */
  get code(): string | null {
    return this.state?.code || this.knownCode;
  }

  /** The synchronized state, once the first full state has arrived (before it the fields are still empty). */
  get state(): GameState | undefined {
    return this.shown?.state;
  }

  /** Follows `room` from now on: the first connection, or the seat taken back on a new one. */
  attach(room: GameRoom) {
    this.room = room;
    this.connection = "connected";
    this.dropped = false;
    const current = () => this.room === room;
    saveSeat(room.reconnectionToken);
    room.onStateChange(() => {
      if (!current()) return;
      this.shown = room;
      this.rememberSeat();
      this.notify();
    });
    room.onMessage("seat", (seat: SeatMessage) => {
      if (!current()) return;
      this.seatToken = seat.seatToken;
      this.rememberSeat();
    });
    room.onMessage("ack", (ack: AckMessage) => {
      if (!current()) return;
      if (this.inFlight.get(ack.opId ?? "")?.type === "chat") this.chatRefusal = null;
      this.settle(ack.opId);
    });
    room.onMessage("error", (error: ErrorMessage) => {
      if (!current()) return;
      const op = error.opId !== undefined ? this.inFlight.get(error.opId) : undefined;
      if (error.code === "UNAVAILABLE" && op) return this.retryWhenUnpaused(error.opId!, op);
      this.settle(error.opId ?? null);
      const message = error.message || `The server refused that (${error.code}).`;
      if (op?.type === "chat") {
        this.chatRefusal = message;
        return this.notify();
      }
      toast(message, "error");
    });
    room.onMessage("event", (event: EventMessage) => current() && this.addEvents([event]));
    room.onMessage("chat", (chat: ChatMessage) => current() && this.addChats([chat]));
    // On joining and on every return (a reload, a dropped connection, a rejoin) the server replays its
    // latest events and chat: keep what this page has not seen.
    room.onMessage("history", (history: HistoryMessage) => {
      if (!current()) return;
      const lastSeq = this.events.at(-1)?.seq ?? -1;
      const lastAt = this.chats.at(-1)?.at ?? -Infinity;
      this.addEvents(history.events.filter((e) => e.seq > lastSeq));
      this.addChats(history.chats.filter((c) => c.at > lastAt));
    });
    room.onDrop(() => {
      if (!current()) return;
      this.connection = "reconnecting";
      this.dropped = true;
      showBanner("Connection lost. Reconnecting…", "info");
      this.notify();
    });
    room.onReconnect(() => {
      if (!current()) return;
      this.connection = "connected";
      this.dropped = false;
      saveSeat(room.reconnectionToken);
      showBanner(null);
      toast("Reconnected.", "success");
      this.notify();
    });
    room.onError((code, message) => {
      // a failed attempt of the SDK's own reconnection: the banner already says what is going on
      if (!current() || this.connection !== "connected") return;
      toast(`Connection error${message ? `: ${message}` : ""} (${code}).`, "error");
    });
    room.onLeave((code, reason) => {
      if (!current()) return;
      this.clearInFlight();
      this.connection = "rejoining";
      this.notify();
      if (this.leaving || code === CloseCode.CONSENTED) return this.hooks.ended({ left: true });
      // the SDK tried to reconnect and could not (it does not try for a room joined moments ago)
      const afterDrop = this.dropped && room.reconnection.retryCount > 0;
      this.hooks.ended({ left: false, code, reason, afterDrop });
    });
    this.notify();
  }

  /** Called on every state change, event, chat and answer. Returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** True while an action of this type waits for its answer (its button stays disabled meanwhile). */
  waiting(type: ClientMessageType): boolean {
    for (const op of this.inFlight.values()) if (op.type === type) return true;
    return false;
  }

  send(type: ClientMessageType, payload: Record<string, unknown> = {}) {
    if (type !== "chat" && this.waiting(type)) return;
    const opId = `${type}-${++this.nextOp}`;
    const timer = setTimeout(() => this.settle(opId), ANSWER_TIMEOUT_MS);
    this.inFlight.set(opId, { type, payload, timer, pauses: 0, pausedSince: 0 });
    this.room.send(type, { ...payload, opId });
    this.notify();
  }

  async leave() {
    this.leaving = true;
    this.room.reconnection.enabled = false;
    if (this.room.connection?.isOpen) await this.room.leave(true);
    else this.hooks.ended({ left: true });
  }

  /** Listeners run once per burst of changes (a patch and the events that explain it arrive together). */
  notify() {
    if (this.notifyQueued) return;
    this.notifyQueued = true;
    queueMicrotask(() => {
      this.notifyQueued = false;
      for (const listener of [...this.listeners]) listener();
    });
  }

  /** Saves the seat token under the room's code (and this tab's room) once both are known. */
  private rememberSeat() {
    const code = this.code;
    if (!code || !this.seatToken) return;
    const key = `${code}:${this.seatToken}`;
    if (key === this.savedSeat) return;
    this.savedSeat = key;
    saveSeatToken(code, this.seatToken);
    saveRoom(code);
  }

  /** The game is paused (the server cannot save moves): the same message, same opId, again shortly. */
  private retryWhenUnpaused(opId: string, op: Pending) {
    clearTimeout(op.timer);
    op.pausedSince ||= Date.now();
    if (Date.now() - op.pausedSince > PAUSE_GIVE_UP_MS) {
      this.settle(opId);
      toast("The game is still paused: the server cannot save moves. Try again later.", "error");
      return;
    }
    notice("paused", "The game is paused: the server cannot save moves right now. Trying again…", "info");
    const room = this.room;
    op.timer = setTimeout(() => {
      if (this.room !== room || this.inFlight.get(opId) !== op) return;
      op.timer = setTimeout(() => this.settle(opId), ANSWER_TIMEOUT_MS);
      room.send(op.type, { ...op.payload, opId });
    }, Math.min(PAUSE_RETRY_MAX_MS, 1000 * 2 ** op.pauses++));
  }

  private addEvents(events: EventMessage[]) {
    if (events.length === 0) return;
    for (const event of events) {
      // play again: the room's next game, whose log starts with this event
      if (event.type === "rematch") {
        this.events.length = 0;
        this.game++;
      }
      this.events.push(event);
    }
    this.eventCount += events.length;
    if (this.events.length > 300) this.events.splice(0, this.events.length - 300);
    this.notify();
  }

  private addChats(chats: ChatMessage[]) {
    if (chats.length === 0) return;
    this.chats.push(...chats);
    this.chatCount += chats.length;
    if (this.chats.length > 200) this.chats.splice(0, this.chats.length - 200);
    this.notify();
  }

  private settle(opId: string | null) {
    if (opId === null) return;
    const op = this.inFlight.get(opId);
    if (!op) return;
    clearTimeout(op.timer);
    this.inFlight.delete(opId);
    this.updatePaused();
    this.notify();
  }

  private clearInFlight() {
    for (const op of this.inFlight.values()) clearTimeout(op.timer);
    this.inFlight.clear();
    this.updatePaused();
  }

  /** The paused notice stays while some action still waits to be sent again. */
  private updatePaused() {
    for (const op of this.inFlight.values()) if (op.pausedSince) return;
    notice("paused", null);
  }
}
