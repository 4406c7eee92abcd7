/** What a client may pass to create or join a `game` room. */
import { z } from "zod";

export const MAX_SEATS = 5;

export const displayName = z
  .string({ message: "name must be a string" })
  .transform((s) => s.trim().replace(/\s+/g, " "))
  .pipe(
    z
      .string()
      .min(1, { message: "name must not be empty" })
      .max(20, { message: "name must be at most 20 characters" })
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the pattern exists to find control characters and refuse them
      .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), { message: "name must not contain control characters" }),
  );

/** At most this many spectators watch one room (they do not take seats). */
export const MAX_SPECTATORS = 50;

/**
 * Join options. `spectate: true` (with joinById) watches the room instead of taking a seat, in any
 * phase, public or private; `name` is then what the spectator's chat lines are signed with.
 */
export const joinOptions = z.object({
  name: displayName,
  spectate: z.boolean({ message: "spectate must be true or false" }).optional(),
});
export type JoinOptions = z.infer<typeof joinOptions>;

/** The round limit and the turn time a room may be created with (the web client's fields are clamped to them). */
export const ROUND_LIMIT = { min: 1, max: 1000, default: 100 } as const;
export const TURN_SECONDS = { min: 10, max: 120, default: 60 } as const;

/** Create options; `minTurnSeconds` comes from the server's settings (10 unless configured lower). */
export const createOptionsSchema = (minTurnSeconds: number = TURN_SECONDS.min) => z.object({
  name: displayName,
  private: z.boolean({ message: "private must be true or false" }).optional().default(false),
  maxPlayers: z
    .number({ message: "maxPlayers must be a number" })
    .int({ message: "maxPlayers must be a whole number" })
    .min(2, { message: "maxPlayers must be at least 2" })
    .max(MAX_SEATS, { message: `maxPlayers must be at most ${MAX_SEATS}` })
    .optional()
    .default(MAX_SEATS),
  maxRounds: z
    .number({ message: "maxRounds must be a number" })
    .int({ message: "maxRounds must be a whole number" })
    .min(ROUND_LIMIT.min, { message: `maxRounds must be at least ${ROUND_LIMIT.min}` })
    .max(ROUND_LIMIT.max, { message: `maxRounds must be at most ${ROUND_LIMIT.max}` })
    .optional()
    .default(ROUND_LIMIT.default),
  turnSeconds: z
    .number({ message: "turnSeconds must be a number" })
    .min(minTurnSeconds, { message: `turnSeconds must be at least ${minTurnSeconds}` })
    .max(TURN_SECONDS.max, { message: `turnSeconds must be at most ${TURN_SECONDS.max}` })
    .optional()
    .default(TURN_SECONDS.default),
  spectatorChat: z.boolean({ message: "spectatorChat must be true or false" }).optional().default(true),
});
export const createOptions = createOptionsSchema();
export type CreateOptions = z.infer<typeof createOptions>;

/** Formats the first problem of a failed parse as one sentence. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "invalid input";
  if (issue.code === "invalid_type" && issue.path.length > 0 && /received undefined/.test(issue.message)) {
    return `${issue.path.join(".")} is required`;
  }
  return issue.message;
}
