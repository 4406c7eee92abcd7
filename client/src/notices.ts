/**
 * What the person is told: short-lived toasts (refusals, copies, reconnections) and one persistent
 * banner for a state that lasts (reconnecting). Every server error ends up in one of them.
 */
import { h } from "./dom.ts";

export type Tone = "error" | "info" | "success";

let toasts: HTMLElement | null = null;
let banner: HTMLElement | null = null;

export function mountNotices(root: HTMLElement) {
  toasts = h("div", { class: "toasts", role: "status", "aria-live": "polite", "data-testid": "toasts" });
  banner = h("div", { class: "banner", hidden: true, role: "alert", "data-testid": "banner" });
  root.append(banner, toasts);
}

export function toast(message: string, tone: Tone = "error", ms = tone === "error" ? 7000 : 3500) {
  if (!toasts) return;
  const close = h("button", { class: "toast-close", "aria-label": "Dismiss", onclick: () => item.remove() }, "×");
  const item = h("div", { class: `toast toast-${tone}`, "data-testid": `toast-${tone}` }, h("span", null, message), close);
  toasts.append(item);
  while (toasts.children.length > 4) toasts.firstElementChild?.remove();
  setTimeout(() => item.remove(), ms);
}

/** Shows a lasting banner (null hides it). */
export function showBanner(message: string | null, tone: Tone = "info") {
  if (!banner) return;
  banner.hidden = message === null;
  banner.className = `banner banner-${tone}`;
  banner.textContent = message ?? "";
}
