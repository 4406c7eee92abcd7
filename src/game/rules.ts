// The rules as pure functions: newGame builds a state, apply turns (state, player, action)
// into a new state plus the events that happened, or a typed error. The input state is never
// touched: each call works on a private clone, so mutation below is local to that clone.

import { BOARD, GO_SALARY, JAIL_TILE, TILE_COUNT, isOwnable, rentDue } from "./board.ts";
import { CHANCE_CARDS, CHEST_CARDS, type Card } from "./cards.ts";
import { rollDice, seedRng, shuffle } from "./rng.ts";
import type {
  Action,
  ApplyResult,
  Deck,
  GameError,
  GameErrorCode,
  GameEvent,
  GameEventMap,
  GameEventType,
  GameState,
  JailReason,
  PlayerState,
  Stage,
  Tile,
} from "./types.ts";

export const MIN_PLAYERS = 2;
export const MAX_PLAYERS = 5;
export const STARTING_MONEY = 1500;
export const BAIL = 50;
export const DEFAULT_MAX_ROUNDS = 100;
const DOUBLES_TO_JAIL = 3;
const JAIL_TRIES = 3;

const ACTION_TYPES: ReadonlySet<string> = new Set(["roll", "buy", "pass", "end_turn", "pay_bail"]);

/** A clone being worked on plus the events it has produced so far. */
interface Turn {
  s: GameState;
  events: GameEvent[];
}

type Landing = "settled" | "decide";

function emit<K extends GameEventType>(t: Turn, type: K, payload: GameEventMap[K]): void {
  t.events.push({ type, ...payload });
}

function refuse(code: GameErrorCode, message: string): { ok: false; error: GameError } {
  return { ok: false, error: { code, message } };
}

// ---------------------------------------------------------------------------------------------
// Setup and queries

/** Players are given in turn order. Throws on a roster the room should never have built. */
export function newGame(
  players: { id: string; name: string; seat: number }[],
  options: { seed: number; maxRounds?: number },
): GameState {
  if (players.length < MIN_PLAYERS || players.length > MAX_PLAYERS) {
    throw new RangeError(`A game needs ${MIN_PLAYERS} to ${MAX_PLAYERS} players, got ${players.length}.`);
  }
  if (new Set(players.map((p) => p.id)).size !== players.length) {
    throw new RangeError("Player ids must be unique.");
  }
  if (!Number.isFinite(options.seed)) throw new RangeError("The seed must be a finite number.");
  const maxRounds = options.maxRounds ?? DEFAULT_MAX_ROUNDS;
  if (!Number.isInteger(maxRounds) || maxRounds < 1) {
    throw new RangeError("maxRounds must be a positive integer.");
  }

  const [chanceOrder, afterChance] = shuffle(CHANCE_CARDS.map((_, i) => i), seedRng(options.seed));
  const [chestOrder, rng] = shuffle(CHEST_CARDS.map((_, i) => i), afterChance);

  return {
    players: players.map((p) => ({
      id: p.id,
      name: p.name,
      seat: p.seat,
      money: STARTING_MONEY,
      position: 0,
      inJail: false,
      jailTurns: 0,
      bankrupt: false,
    })),
    current: 0,
    stage: "roll",
    dice: null,
    doublesInTurn: 0,
    round: 1,
    maxRounds,
    owners: BOARD.map(() => null),
    rng,
    chance: { order: chanceOrder, next: 0 },
    chest: { order: chestOrder, next: 0 },
    finished: false,
    winner: null,
    seed: options.seed,
    bankruptOrder: [],
  };
}

export function currentPlayerId(state: GameState): string | null {
  if (state.finished) return null;
  return state.players[state.current]?.id ?? null;
}

/** Money plus the purchase price of everything owned; 0 for an unknown player. */
export function netWorth(state: GameState, playerId: string): number {
  const player = state.players.find((p) => p.id === playerId);
  if (!player) return 0;
  const holdings = BOARD.reduce(
    (sum, tile) => (state.owners[tile.index] === playerId ? sum + (tile.price ?? 0) : sum),
    0,
  );
  return player.money + holdings;
}

/** Winner first: players still in by net worth (lower seat on a tie), then the bankrupt, last to fall first. */
export function ranking(state: GameState): string[] {
  const standing = state.players
    .filter((p) => !p.bankrupt)
    .map((p) => ({ id: p.id, seat: p.seat, worth: netWorth(state, p.id) }))
    .sort((a, b) => b.worth - a.worth || a.seat - b.seat)
    .map((p) => p.id);
  const lastToFallFirst = [...state.bankruptOrder].reverse();
  return [...standing, ...lastToFallFirst];
}

/** What the server plays for the player on turn when they time out or are away; never buys or pays bail. */
export function autoAction(state: GameState): Action | null {
  if (state.finished) return null;
  switch (state.stage) {
    case "roll":
      return { type: "roll" };
    case "decide":
      return { type: "pass" };
    case "end":
      return { type: "end_turn" };
  }
}

// ---------------------------------------------------------------------------------------------
// Entry points

/**
 * A copy of a state that shares nothing mutable with it: a turn is played on the copy, so the
 * caller's state stays as it was (the match keeps it until the turn is committed). Field by field
 * rather than structuredClone, which serialises the whole state and was a tenth of the server's
 * busy time; a spec checks that no object or array is shared, so a new nested field must be added here.
 */
export function copyState(s: GameState): GameState {
  return {
    ...s,
    players: s.players.map((p) => ({ ...p })),
    dice: s.dice === null ? null : [s.dice[0], s.dice[1]],
    owners: s.owners.slice(),
    chance: { ...s.chance, order: s.chance.order.slice() },
    chest: { ...s.chest, order: s.chest.order.slice() },
    bankruptOrder: s.bankruptOrder.slice(),
  };
}

export function apply(state: GameState, playerId: string, action: Action): ApplyResult {
  if (state.finished) return refuse("GAME_OVER", "The game is over.");
  const playerIndex = state.players.findIndex((p) => p.id === playerId);
  if (playerIndex < 0) return refuse("UNKNOWN_PLAYER", "You are not a player in this game.");
  if (playerIndex !== state.current) return refuse("NOT_YOUR_TURN", "It is not your turn.");
  const type: unknown = (action as { type?: unknown } | null)?.type;
  if (typeof type !== "string" || !ACTION_TYPES.has(type)) {
    return refuse("WRONG_STAGE", "That is not an action this game knows.");
  }

  const t: Turn = { s: copyState(state), events: [] };
  const error = perform(t, type as Action["type"]);
  if (error) return { ok: false, error };
  passTurnIfCurrentFell(t);
  return { ok: true, state: t.s, events: t.events };
}

/** A player leaves mid-game: bankrupt to the bank, their properties go back to it. */
export function forfeit(state: GameState, playerId: string): ApplyResult {
  if (state.finished) return refuse("GAME_OVER", "The game is over.");
  const index = state.players.findIndex((p) => p.id === playerId);
  if (index < 0) return refuse("UNKNOWN_PLAYER", "You are not a player in this game.");

  const t: Turn = { s: copyState(state), events: [] };
  const player = t.s.players[index];
  // Leaving after already going bankrupt changes nothing, and is not the caller's mistake.
  if (player.bankrupt) return { ok: true, state: t.s, events: [] };
  player.money = 0;
  goBankrupt(t, player, null, "forfeit");
  passTurnIfCurrentFell(t);
  return { ok: true, state: t.s, events: t.events };
}

function perform(t: Turn, type: Action["type"]): GameError | null {
  switch (type) {
    case "roll":
      return roll(t);
    case "buy":
      return buy(t);
    case "pass":
      return pass(t);
    case "end_turn":
      return endTurn(t);
    case "pay_bail":
      return payBail(t);
  }
}

// ---------------------------------------------------------------------------------------------
// Actions

function wrongStage(t: Turn, action: string): GameError {
  const expected: Record<Stage, string> = {
    roll: "roll the dice",
    decide: "buy or pass",
    end: "end your turn",
  };
  return { code: "WRONG_STAGE", message: `You cannot ${action} now; you need to ${expected[t.s.stage]}.` };
}

function roll(t: Turn): GameError | null {
  const s = t.s;
  if (s.stage !== "roll") return wrongStage(t, "roll");
  const player = s.players[s.current];
  const [dice, rng] = rollDice(s.rng);
  s.rng = rng;
  s.dice = dice;
  const doubles = dice[0] === dice[1];
  emit(t, "dice_rolled", { player: player.id, dice: [dice[0], dice[1]], doubles });

  if (player.inJail) {
    rollFromJail(t, player, dice);
    return null;
  }
  if (doubles) {
    s.doublesInTurn += 1;
    if (s.doublesInTurn >= DOUBLES_TO_JAIL) {
      sendToJail(t, player, "three_doubles");
      s.stage = "end";
      return null;
    }
  }
  moveBy(t, player, dice[0] + dice[1]);
  settleMove(t, player, resolveLanding(t, player));
  return null;
}

function rollFromJail(t: Turn, player: PlayerState, dice: [number, number]): void {
  const s = t.s;
  if (dice[0] === dice[1]) {
    // Doubles only open the door: doublesInTurn stays 0, so no extra roll follows.
    releaseFromJail(t, player, "doubles");
  } else if (player.jailTurns + 1 >= JAIL_TRIES) {
    const paidInFull = charge(t, player, BAIL, null, (amount) =>
      emit(t, "money_paid", { player: player.id, amount, reason: "bail" }),
    );
    if (!paidInFull) return;
    releaseFromJail(t, player, "forced");
  } else {
    player.jailTurns += 1;
    s.stage = "end";
    return;
  }
  moveBy(t, player, dice[0] + dice[1]);
  settleMove(t, player, resolveLanding(t, player));
}

function buy(t: Turn): GameError | null {
  const s = t.s;
  if (s.stage !== "decide") return wrongStage(t, "buy");
  const player = s.players[s.current];
  const tile = BOARD[player.position];
  if (!isOwnable(tile) || s.owners[tile.index] !== null) {
    return { code: "NOT_PURCHASABLE", message: `${tile.name} cannot be bought.` };
  }
  const price = tile.price ?? 0;
  if (player.money < price) {
    return {
      code: "INSUFFICIENT_FUNDS",
      message: `${tile.name} costs ${price} and you have ${player.money}.`,
    };
  }
  player.money -= price;
  s.owners[tile.index] = player.id;
  emit(t, "bought", { player: player.id, tile: tile.index, price });
  s.stage = stageAfterMove(s, player);
  return null;
}

function pass(t: Turn): GameError | null {
  const s = t.s;
  if (s.stage !== "decide") return wrongStage(t, "pass");
  const player = s.players[s.current];
  emit(t, "passed", { player: player.id, tile: player.position });
  s.stage = stageAfterMove(s, player);
  return null;
}

function endTurn(t: Turn): GameError | null {
  if (t.s.stage !== "end") return wrongStage(t, "end your turn");
  passTurn(t);
  return null;
}

function payBail(t: Turn): GameError | null {
  const s = t.s;
  if (s.stage !== "roll") return wrongStage(t, "pay bail");
  const player = s.players[s.current];
  if (!player.inJail) return { code: "NOT_IN_JAIL", message: "You are not in jail." };
  if (player.money < BAIL) {
    return { code: "INSUFFICIENT_FUNDS", message: `Bail is ${BAIL} and you have ${player.money}.` };
  }
  player.money -= BAIL;
  emit(t, "money_paid", { player: player.id, amount: BAIL, reason: "bail" });
  releaseFromJail(t, player, "bail");
  return null;
}

// ---------------------------------------------------------------------------------------------
// Movement and landing

function moveBy(t: Turn, player: PlayerState, steps: number): void {
  const from = player.position;
  const to = (((from + steps) % TILE_COUNT) + TILE_COUNT) % TILE_COUNT;
  moveTo(t, player, to, steps > 0 && from + steps >= TILE_COUNT);
}

function moveTo(t: Turn, player: PlayerState, to: number, passedGo: boolean): void {
  const from = player.position;
  player.position = to;
  emit(t, "moved", { player: player.id, from, to, passedGo });
  if (passedGo) {
    player.money += GO_SALARY;
    emit(t, "passed_go", { player: player.id, amount: GO_SALARY });
  }
}

function resolveLanding(t: Turn, player: PlayerState): Landing {
  const tile = BOARD[player.position];
  switch (tile.kind) {
    case "go": // the salary was paid by the move itself
    case "jail":
    case "free_parking":
      return "settled";
    case "go_to_jail":
      sendToJail(t, player, "go_to_jail_tile");
      return "settled";
    case "tax":
      charge(t, player, tile.amount ?? 0, null, (amount) =>
        emit(t, "tax_paid", { player: player.id, tile: tile.index, amount }),
      );
      return "settled";
    case "chance":
      return drawCard(t, player, "chance");
    case "chest":
      return drawCard(t, player, "chest");
    case "street":
    case "railroad":
    case "utility":
      return landOnProperty(t, player, tile);
  }
}

function landOnProperty(t: Turn, player: PlayerState, tile: Tile): Landing {
  const s = t.s;
  const ownerId = s.owners[tile.index];
  if (ownerId === null) return "decide";
  if (ownerId === player.id) return "settled";
  const owner = s.players.find((p) => p.id === ownerId);
  if (!owner || owner.bankrupt) return "settled";
  const diceTotal = s.dice ? s.dice[0] + s.dice[1] : 0;
  const rent = rentDue(s.owners, tile.index, diceTotal);
  charge(t, player, rent, owner, (amount) =>
    emit(t, "rent_paid", { player: player.id, owner: owner.id, tile: tile.index, amount }),
  );
  return "settled";
}

function drawCard(t: Turn, player: PlayerState, deck: Deck): Landing {
  const pile = t.s[deck];
  const cards = deck === "chance" ? CHANCE_CARDS : CHEST_CARDS;
  const card: Card = cards[pile.order[pile.next]];
  pile.next = (pile.next + 1) % pile.order.length;
  emit(t, "card_drawn", { player: player.id, deck, card: card.id, text: card.text });

  const effect = card.effect;
  switch (effect.kind) {
    case "advance_to":
      moveTo(t, player, effect.tile, effect.tile <= player.position);
      return resolveLanding(t, player);
    case "move_back":
      moveBy(t, player, -effect.steps);
      return resolveLanding(t, player);
    case "collect":
      player.money += effect.amount;
      emit(t, "money_collected", { player: player.id, amount: effect.amount, reason: "card" });
      return "settled";
    case "pay":
      charge(t, player, effect.amount, null, (amount) =>
        emit(t, "money_paid", { player: player.id, amount, reason: "card" }),
      );
      return "settled";
    case "go_to_jail":
      sendToJail(t, player, "card");
      return "settled";
  }
}

/** After a roll's landing is resolved: decide on the tile, roll again on doubles, or end. */
function settleMove(t: Turn, player: PlayerState, landing: Landing): void {
  // A bankrupt mover's turn is handed on by passTurnIfCurrentFell.
  if (t.s.finished || player.bankrupt) return;
  t.s.stage = landing === "decide" ? "decide" : stageAfterMove(t.s, player);
}

function stageAfterMove(s: GameState, player: PlayerState): Stage {
  const rolledDoubles = s.dice !== null && s.dice[0] === s.dice[1];
  return rolledDoubles && s.doublesInTurn > 0 && !player.inJail ? "roll" : "end";
}

function sendToJail(t: Turn, player: PlayerState, reason: JailReason): void {
  player.position = JAIL_TILE;
  player.inJail = true;
  player.jailTurns = 0;
  emit(t, "jailed", { player: player.id, reason });
}

function releaseFromJail(t: Turn, player: PlayerState, how: "doubles" | "bail" | "forced"): void {
  player.inJail = false;
  player.jailTurns = 0;
  emit(t, "left_jail", { player: player.id, how });
}

// ---------------------------------------------------------------------------------------------
// Money, bankruptcy and turn order

/**
 * Takes `amount` from the payer (to the creditor, or the bank when null); a payer who cannot
 * cover it hands over everything and goes bankrupt. `record` emits the payment event with what
 * actually changed hands. Returns whether the debt was paid in full.
 */
function charge(
  t: Turn,
  payer: PlayerState,
  amount: number,
  creditor: PlayerState | null,
  record: (paid: number) => void,
): boolean {
  const paid = Math.min(payer.money, amount);
  payer.money -= paid;
  if (creditor) creditor.money += paid;
  record(paid);
  if (paid < amount) {
    goBankrupt(t, payer, creditor, "debt");
    return false;
  }
  return true;
}

function goBankrupt(
  t: Turn,
  player: PlayerState,
  creditor: PlayerState | null,
  reason: "debt" | "forfeit",
): void {
  const s = t.s;
  player.bankrupt = true;
  player.inJail = false;
  player.jailTurns = 0;
  s.owners = s.owners.map((owner) => (owner === player.id ? null : owner));
  s.bankruptOrder.push(player.id);
  emit(t, "bankrupt", { player: player.id, creditor: creditor?.id ?? null, reason });
  if (s.players.filter((p) => !p.bankrupt).length <= 1) endGame(t, "last_player_standing");
}

function passTurnIfCurrentFell(t: Turn): void {
  if (!t.s.finished && t.s.players[t.s.current].bankrupt) passTurn(t);
}

function passTurn(t: Turn): void {
  const s = t.s;
  const count = s.players.length;
  let next = -1;
  for (let step = 1; step <= count; step++) {
    const candidate = (s.current + step) % count;
    if (!s.players[candidate].bankrupt) {
      next = candidate;
      break;
    }
  }
  if (next < 0) {
    endGame(t, "last_player_standing");
    return;
  }
  if (next <= s.current) {
    if (s.round >= s.maxRounds) {
      endGame(t, "round_limit");
      return;
    }
    s.round += 1;
  }
  s.current = next;
  s.stage = "roll";
  s.doublesInTurn = 0;
  emit(t, "turn_started", { player: s.players[next].id, round: s.round });
}

function endGame(t: Turn, reason: "last_player_standing" | "round_limit"): void {
  const s = t.s;
  const order = ranking(s);
  s.finished = true;
  s.stage = "end";
  s.winner = order[0] ?? null;
  emit(t, "game_over", { winner: s.winner, reason, ranking: order });
}
