/** How things read and look: money, seat colours, street group colours, short tile names. */
import type { Tile } from "./api.ts";

export const money = (n: number) => `${n < 0 ? "-" : ""}$${Math.abs(n).toLocaleString("en-US")}`;

/** One colour per seat (0-4), chosen to stay apart from the street groups and from each other. */
export const SEAT_COLORS = ["#d6363c", "#3e63dd", "#30a46c", "#f5a524", "#8e4ec6"] as const;
/** The text on a seat's colour (an initial, a badge): at least 4.5:1 against it. */
const SEAT_INK = ["#ffffff", "#ffffff", "#1c2321", "#1c2321", "#ffffff"] as const;
/** A seat's colour darkened where it is the text itself (a name in the chat): at least 4.5:1 on white. */
const SEAT_TEXT = ["#c0282e", "#3e63dd", "#1f7a4d", "#8a5a00", "#8e4ec6"] as const;
export const seatColor = (seat: number) => SEAT_COLORS[seat % SEAT_COLORS.length];
export const seatText = (seat: number) => SEAT_TEXT[seat % SEAT_TEXT.length];
/** The custom properties a seat's coloured element reads: `--seat` and the `--seat-ink` written on it. */
export const seatStyle = (seat: number) => `--seat:${seatColor(seat)};--seat-ink:${SEAT_INK[seat % SEAT_INK.length]}`;

export const GROUP_COLORS: Record<string, string> = {
  brown: "#8b5a3c",
  lightblue: "#8fd3f4",
  pink: "#d6409f",
  orange: "#f76b15",
  red: "#dc2626",
  yellow: "#fcd34d",
  green: "#16a34a",
  darkblue: "#1e3a8a",
};

/** A tile's name as it fits on the board: "Mediterranean Ave", "Reading RR". */
export function shortName(tile: Tile): string {
  switch (tile.kind) {
    case "jail":
      return "Jail";
    case "chest":
      return "Chest";
    case "go_to_jail":
      return "Go to Jail";
    default:
      return tile.name
        // the two words too long for a tile's width at the board's type size, shortened as the post office does
        .replace(/^Mediterranean /, "Medit. ")
        .replace(/^Connecticut /, "Conn. ")
        .replace(/ Avenue$/, " Ave")
        .replace(/ Railroad$/, " RR")
        .replace(/^Pennsylvania RR$/, "Penn. RR")
        .replace(/ Place$/, " Pl.")
        .replace(/^North Carolina/, "N. Carolina");
  }
}

export const initial = (name: string) => (name.trim()[0] ?? "?").toUpperCase();
