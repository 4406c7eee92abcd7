/** Line icons for the special tiles, drawn inline so the board looks the same without emoji fonts. */
import type { TileKind } from "./api.ts";

const icon = (body: string) =>
  `<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round">${body}</svg>`;

export const ICONS = {
  railroad: icon('<rect x="5" y="3" width="14" height="13" rx="3"/><path d="M5 10h14M9 16l-2 5M15 16l2 5"/><circle cx="9" cy="13" r=".6"/><circle cx="15" cy="13" r=".6"/>'),
  electric: icon('<path d="M13 2 4 14h7l-1 8 9-12h-7z"/>'),
  water: icon('<path d="M12 2.8s-6 6.8-6 11.2a6 6 0 0 0 12 0c0-4.4-6-11.2-6-11.2z"/>'),
  chance: icon('<circle cx="12" cy="12" r="9.5"/><path d="M9.2 9.2a2.9 2.9 0 0 1 5.6.9c0 1.9-2.8 2.6-2.8 4.2"/><path d="M12 17.4h.01"/>'),
  chest: icon('<rect x="3" y="9" width="18" height="11" rx="1.5"/><path d="M4.5 9 6 4h12l1.5 5M3 13.5h18M11 12h2v3h-2z"/>'),
  tax: icon('<circle cx="12" cy="12" r="9.5"/><path d="M15 9.3c-.5-.9-1.6-1.5-3-1.5-1.7 0-3 .8-3 2s1.3 1.7 3 2 3 .8 3 2-1.3 2-3 2c-1.4 0-2.5-.6-3-1.5M12 6v1.8M12 16.2V18"/>'),
  go: icon('<path d="M20 12H5M11 5l-7 7 7 7"/>'),
  jail: icon('<rect x="4" y="3" width="16" height="18" rx="1.5"/><path d="M9 3v18M15 3v18"/>'),
  parking: icon('<rect x="3.5" y="3.5" width="17" height="17" rx="4"/><path d="M10 17V7h3a3 3 0 0 1 0 6h-3"/>'),
  police: icon('<path d="M12 2.5 19.5 5v6c0 4.8-3.2 8.6-7.5 10.5C7.7 19.6 4.5 15.8 4.5 11V5z"/><path d="m9 12 2 2 4-4"/>'),
  copy: icon('<rect x="8" y="8" width="12" height="12" rx="2"/><path d="M16 8V6a2 2 0 0 0-2-2H6a2 2 0 0 0-2 2v8a2 2 0 0 0 2 2h2"/>'),
  crown: icon('<path d="m3 8 4.5 4L12 5l4.5 7L21 8l-2 11H5z"/>'),
  check: icon('<path d="m5 12.5 4.5 4.5L19 7"/>'),
  link: icon('<path d="M10 14a4.5 4.5 0 0 0 6.4 0l3-3a4.5 4.5 0 0 0-6.4-6.4l-1 1M14 10a4.5 4.5 0 0 0-6.4 0l-3 3a4.5 4.5 0 0 0 6.4 6.4l1-1"/>'),
  trophy: icon('<path d="M8 21h8M12 17v4M7 4h10v5a5 5 0 0 1-10 0zM17 5h3v2a4 4 0 0 1-3 3.9M7 5H4v2a4 4 0 0 0 3 3.9"/>'),
} as const;

/** The icon a special tile shows (streets show their colour band instead). */
export function tileIcon(kind: TileKind, name: string): string | null {
  switch (kind) {
    case "railroad":
      return ICONS.railroad;
    case "utility":
      return /water/i.test(name) ? ICONS.water : ICONS.electric;
    case "chance":
      return ICONS.chance;
    case "chest":
      return ICONS.chest;
    case "tax":
      return ICONS.tax;
    case "go":
      return ICONS.go;
    case "jail":
      return ICONS.jail;
    case "free_parking":
      return ICONS.parking;
    case "go_to_jail":
      return ICONS.police;
    default:
      return null;
  }
}
