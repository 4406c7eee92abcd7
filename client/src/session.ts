/**
 * One seat in one `game` room: sends actions with an opId and tracks them until the server's `ack`
 * or `error`, keeps the event log and chat (the server replays its latest on every join and return),
 * and reports connection changes.
 */
import { CloseCode, type Room } from "@colyseus/sdk";
import type { AckMessage, ChatMessage, ClientMessageType, ErrorMessage, EventMessage, HistoryMessage } from "../../src/messages/contract.ts";
import type { GameState } from "../../src/schema/GameState.ts";
import { showBanner, toast } from "./notices.ts";
import { saveSeat } from "./storage.ts";

export type GameRoom = Room<any, GameState>;

export interface SessionHooks {
  /** The room ended for us: `left` when we asked for it, else the close code and reason. */
  ended(how: { left: true } | { left: false; code: number; reason?: string }): void;
}

type Listener = () => void;

/** How long an action may wait for its answer before its button is usable again. */
const ANSWER_TIMEOUT_MS = 10_000;

export class RoomSession {
  /** The latest events and chat lines; `eventCount`/`chatCount` count every one ever received. */
  readonly events: EventMessage[] = [];
  readonly chats: ChatMessage[] = [];
  eventCount = 0;
  chatCount = 0;
  connected = true;

  private readonly inFlight = new Map<string, { type: ClientMessageType; timer: ReturnType<typeof setTimeout> }>();
  private readonly listeners = new Set<Listener>();
  private nextOp = 0;
  private leaving = false;
  private notifyQueued = false;
  private synced = false;

  constructor(readonly room: GameRoom, private readonly hooks: SessionHooks) {
    room.onStateChange(() => {
      this.synced = true;
      this.notify();
    });
    room.onMessage("ack", (ack: AckMessage) => this.settle(ack.opId));
    room.onMessage("error", (error: ErrorMessage) => {
      this.settle(error.opId ?? null);
      toast(error.message || `The server refused that (${error.code}).`, "error");
    });
    room.onMessage("event", (event: EventMessage) => this.addEvents([event]));
    room.onMessage("chat", (chat: ChatMessage) => this.addChats([chat]));
    // On joining and on every return (a reload or a dropped connection) the server replays its latest
    // events and chat: keep what this page has not seen.
    room.onMessage("history", (history: HistoryMessage) => {
      const lastSeq = this.events.at(-1)?.seq ?? -1;
      const lastAt = this.chats.at(-1)?.at ?? -Infinity;
      this.addEvents(history.events.filter((e) => e.seq > lastSeq));
      this.addChats(history.chats.filter((c) => c.at > lastAt));
    });
    room.onDrop(() => {
      this.connected = false;
      showBanner("Connection lost. Reconnecting…", "info");
      this.notify();
    });
    room.onReconnect(() => {
      this.connected = true;
      saveSeat(room.reconnectionToken);
      showBanner(null);
      toast("Reconnected.", "success");
      this.notify();
    });
    room.onError((code, message) => toast(`Connection error${message ? `: ${message}` : ""} (${code}).`, "error"));
    room.onLeave((code, reason) => {
      this.clearInFlight();
      showBanner(null);
      this.hooks.ended(this.leaving || code === CloseCode.CONSENTED ? { left: true } : { left: false, code, reason });
    });
  }

  get me(): string {
    return this.room.sessionId;
  }

  /** The synchronized state, once the first full state has arrived (before it the fields are still empty). */
  get state(): GameState | undefined {
    return this.synced ? this.room.state : undefined;
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
    this.inFlight.set(opId, { type, timer });
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

  private addEvents(events: EventMessage[]) {
    if (events.length === 0) return;
    this.events.push(...events);
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
    this.notify();
  }

  private clearInFlight() {
    for (const op of this.inFlight.values()) clearTimeout(op.timer);
    this.inFlight.clear();
  }
}
