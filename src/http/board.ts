/** GET /board: the 40 tiles (names, kinds, prices, rents, colour groups), so clients draw the board from the server's rules. */
import { Router } from "express";
import { BOARD, CHANCE_CARDS, CHEST_CARDS, GO_SALARY, RAILROAD_RENTS, STARTING_MONEY, UTILITY_MULTIPLIERS, BAIL } from "../game/index.ts";

export function boardRouter(): Router {
  const router = Router();
  const body = JSON.stringify({
    tiles: BOARD,
    rules: { startingMoney: STARTING_MONEY, goSalary: GO_SALARY, bail: BAIL, railroadRents: RAILROAD_RENTS, utilityMultipliers: UTILITY_MULTIPLIERS },
    cards: { chance: CHANCE_CARDS.map((c) => ({ id: c.id, text: c.text })), chest: CHEST_CARDS.map((c) => ({ id: c.id, text: c.text })) },
  });
  router.get("/board", (_req, res) => {
    res.setHeader("Cache-Control", "public, max-age=300");
    res.type("application/json").send(body);
  });
  return router;
}
