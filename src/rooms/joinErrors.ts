/** Builds the typed create/join refusals that the SDK surfaces as `err.code` / `err.message`. */
import { ServerError } from "@colyseus/core";
import { JoinError, type JoinErrorName } from "../messages/errors.ts";

export function joinError(name: JoinErrorName, message: string): ServerError {
  const error = new ServerError(JoinError[name], message);
  (error as ServerError & { reason: JoinErrorName }).reason = name;
  return error;
}

export function isJoinRefusal(error: unknown): boolean {
  return error instanceof ServerError && typeof (error as ServerError & { reason?: unknown }).reason === "string";
}
