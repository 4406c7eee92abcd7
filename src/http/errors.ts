/** The HTTP error shape: `{ error: { code, message } }` with the status that fits the code. */
import type { Response } from "express";
import { HttpErrorStatus, type HttpErrorCode } from "../messages/errors.ts";

export function sendError(res: Response, code: HttpErrorCode, message: string) {
  res.status(HttpErrorStatus[code]).json({ error: { code, message } });
}
