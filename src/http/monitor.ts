/** /monitor (@colyseus/monitor) behind HTTP basic auth; /playground outside production. */
import { timingSafeEqual } from "node:crypto";
import type { Application, RequestHandler } from "express";
import { monitor } from "@colyseus/monitor";
import { playground } from "@colyseus/playground";
import type { Settings } from "../config.ts";
import { sendError } from "./errors.ts";

function same(a: string, b: string) {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function basicAuth(user: string, password: string, realm = "monitor"): RequestHandler {
  return (req, res, next) => {
    const header = req.headers.authorization ?? "";
    const [scheme, encoded] = header.split(" ");
    if (scheme === "Basic" && encoded) {
      const decoded = Buffer.from(encoded, "base64").toString("utf8");
      const sep = decoded.indexOf(":");
      if (sep >= 0 && same(decoded.slice(0, sep), user) && same(decoded.slice(sep + 1), password)) return next();
    }
    res.setHeader("WWW-Authenticate", `Basic realm="${realm}", charset="UTF-8"`);
    sendError(res, "UNAUTHORIZED", "The monitor needs the MONITOR_USER / MONITOR_PASSWORD credentials.");
  };
}

export function mountTools(app: Application, settings: Settings, log: (line: string) => void) {
  if (settings.monitorPassword) {
    app.use("/monitor", basicAuth(settings.monitorUser, settings.monitorPassword), monitor());
  } else {
    app.use("/monitor", (_req, res) =>
      sendError(res, "NOT_FOUND", "The monitor is off: set MONITOR_PASSWORD (and MONITOR_USER) to turn it on."),
    );
    log("monitor: off (set MONITOR_PASSWORD to serve /monitor)");
  }
  if (settings.nodeEnv !== "production") app.use("/playground", playground());
}
