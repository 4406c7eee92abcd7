/**
 * What the person is told: short-lived toasts (refusals, copies, reconnections) and one persistent
 * banner for a state that lasts (reconnecting, the server restarting, the game paused). Every server
 * error ends up in one of them. Both sit in live regions, so a screen reader announces what appears
 * in them. Toasts belong to the screen they were raised on: each screen gets its own region, in the
 * page flow above it (it pushes the screen down instead of covering a control), and a toast goes
 * away with its screen (a home-screen refusal does not follow the player into the waiting room).
 */
import { h } from "./dom.ts";

export type Tone = "error" | "info" | "success";

/** What a lasting notice is about; when several are up, the first in this list is shown. */
export type NoticeKind = "connection" | "paused";
const PRIORITY: NoticeKind[] = ["connection", "paused"];

let toasts: HTMLElement | null = null;
let banner: HTMLElement | null = null;
const notices = new Map<NoticeKind, { message: string; tone: Tone }>();

/** When the current toast region was put in the page: a live region announces only what is added after. */
let regionSince = 0;

export function mountNotices(root: HTMLElement) {
  banner = h("div", { class: "banner", hidden: true, "data-testid": "banner" });
  root.append(h("div", { class: "banner-region", role: "status", "aria-live": "polite", "aria-atomic": "true" }, banner));
}

/** A new screen's toast region (the previous screen's toasts go with it): the caller puts it in the page. */
export function toastRegion(): HTMLElement {
  toasts = h("div", { class: "toasts", role: "status", "aria-live": "polite", "data-testid": "toasts" });
  regionSince = performance.now();
  return toasts;
}

export function toast(message: string, tone: Tone = "error", ms = tone === "error" ? 7000 : 3500) {
  const region = toasts;
  if (!region) return;
  const close = h("button", { class: "toast-close", "aria-label": "Dismiss", onclick: () => item.remove() }, "×");
  const item = h("div", { class: `toast toast-${tone}`, "data-testid": `toast-${tone}` }, h("span", null, message), close);
  const add = () => {
    region.append(item);
    while (region.children.length > 4) region.firstElementChild?.remove();
    // the region is at the top of the screen: scrolled past, the toast is brought into view (below the sticky header), never over the page
    item.scrollIntoView({ block: "nearest" });
    setTimeout(() => item.remove(), ms);
  };
  // a region that has just been put in the page is not yet watched by screen readers
  if (performance.now() - regionSince < 100) setTimeout(add, 100);
  else add();
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
