/**
 * What the person is told: short-lived toasts (refusals, copies, reconnections) and one persistent
 * banner for a state that lasts (reconnecting, the server restarting, the game paused). Every server
 * error ends up in one of them. Both sit in live regions that are always in the page, so a screen
 * reader announces what appears in them.
 */
import { h } from "./dom.ts";

export type Tone = "error" | "info" | "success";

/** What a lasting notice is about; when several are up, the first in this list is shown. */
export type NoticeKind = "connection" | "paused";
const PRIORITY: NoticeKind[] = ["connection", "paused"];

let toasts: HTMLElement | null = null;
let banner: HTMLElement | null = null;
const notices = new Map<NoticeKind, { message: string; tone: Tone }>();

export function mountNotices(root: HTMLElement) {
  toasts = h("div", { class: "toasts", role: "status", "aria-live": "polite", "data-testid": "toasts" });
  banner = h("div", { class: "banner", hidden: true, "data-testid": "banner" });
  root.append(h("div", { class: "banner-region", role: "status", "aria-live": "polite", "aria-atomic": "true" }, banner), toasts);
}

export function toast(message: string, tone: Tone = "error", ms = tone === "error" ? 7000 : 3500) {
  if (!toasts) return;
  const close = h("button", { class: "toast-close", "aria-label": "Dismiss", onclick: () => item.remove() }, "×");
  const item = h("div", { class: `toast toast-${tone}`, "data-testid": `toast-${tone}` }, h("span", null, message), close);
  toasts.append(item);
  while (toasts.children.length > 4) toasts.firstElementChild?.remove();
  setTimeout(() => item.remove(), ms);
}

/** Puts up (or, with null, takes down) the lasting notice of one kind. */
export function notice(kind: NoticeKind, message: string | null, tone: Tone = "info") {
  if (message === null) notices.delete(kind);
  else notices.set(kind, { message, tone });
  if (!banner) return;
  const shown = PRIORITY.map((k) => [k, notices.get(k)] as const).find(([, n]) => n);
  banner.hidden = !shown;
  banner.className = `banner banner-${shown?.[1]?.tone ?? "info"}`;
  banner.dataset.kind = shown?.[0] ?? "";
  if (banner.textContent !== (shown?.[1]?.message ?? "")) banner.textContent = shown?.[1]?.message ?? "";
}

/** The connection's lasting notice (null hides it). */
export const showBanner = (message: string | null, tone: Tone = "info") => notice("connection", message, tone);
