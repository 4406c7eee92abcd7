/** The HTTP error shape: `{ error: { code, message } }` with the status that fits the code. */
import type { Response } from "express";
import { HttpErrorStatus } from "../messages/errors.ts";

/**
 * Refusals of the request itself, answered before any route sees it (by the router or the body parser): the same
 * shape and vocabulary as the routes' own errors.
 */
export const RequestErrorStatus = {
  /** The path cannot be decoded (a malformed % escape). */
  INVALID_URL: 400,
  INVALID_JSON: 400,
  PAYLOAD_TOO_LARGE: 413,
} as const;

const STATUS = { ...HttpErrorStatus, ...RequestErrorStatus };
export type ApiErrorCode = keyof typeof STATUS;

export function errorBody(code: ApiErrorCode, message: string) {
  return { error: { code, message } };
}

export function sendError(res: Response, code: ApiErrorCode, message: string) {
  res.status(STATUS[code]).json(errorBody(code, message));
}
