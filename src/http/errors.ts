/** The HTTP error shape: `{ error: { code, message } }` with the status that fits the code. */
import type { Response } from "express";
import { HttpErrorStatus } from "../messages/errors.ts";

export type ApiErrorCode = keyof typeof HttpErrorStatus;

export function errorBody(code: ApiErrorCode, message: string) {
  return { error: { code, message } };
}

export function sendError(res: Response, code: ApiErrorCode, message: string) {
  res.status(HttpErrorStatus[code]).json(errorBody(code, message));
}
