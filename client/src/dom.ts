/** A tiny element builder: the screens are built from nodes, never from HTML strings, so names stay text. */

export type Child = Node | string | number | null | undefined | false;
type Handler = (event: Event) => void;
export type Attrs = Record<string, string | number | boolean | null | undefined | Handler>;

/** Properties that must be set as properties (the attribute only holds the initial value). */
const PROPS = new Set(["value", "checked", "disabled", "selected"]);

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Array<Child | Child[]>
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) {
      if (PROPS.has(key)) Reflect.set(el, key, false);
      continue;
    }
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === "class") {
      el.className = String(value);
    } else if (PROPS.has(key)) {
      Reflect.set(el, key, value);
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: Array<Child | Child[]>) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the children of `el` with `children`. */
export function fill(el: Element, ...children: Array<Child | Child[]>) {
  el.replaceChildren();
  append(el, children);
}

/** An SVG element from a trusted, static markup string (icons only). */
export function svg(markup: string, className = "icon"): SVGElement {
  const template = document.createElement("template");
  template.innerHTML = markup.trim();
  const el = template.content.firstElementChild as SVGElement;
  el.setAttribute("class", className);
  el.setAttribute("aria-hidden", "true");
  return el;
}

/**
 * A live region whose contents change now without being announced (a history filled in, a log
 * started over): `aria-live` is off meanwhile, and polite again once they are in, for what comes next.
 */
export function liveSoon(region: HTMLElement, ms = 250) {
  region.setAttribute("aria-live", "off");
  const timer = Number(region.dataset.liveTimer ?? 0);
  if (timer) clearTimeout(timer);
  region.dataset.liveTimer = String(
    setTimeout(() => {
      delete region.dataset.liveTimer;
      region.setAttribute("aria-live", "polite");
    }, ms),
  );
}
