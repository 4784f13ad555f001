// Plain-text and Markdown tables. Cells may carry ANSI colors; widths ignore them.
// A text table fits a given width (the terminal's, see `terminalWidth` in io.ts): when the natural widths
// do not fit, columns give up space where that adds the fewest lines (no column below its longest word),
// and a cell's text wraps inside its column at spaces; only a word longer than the whole width allows
// is cut (down to 6 columns). Continuation lines are indented by the cells to their left. The header rule is as wide as the
// columns, so it never wraps.

import { ANSI, MIN_COLUMN, visible, wrapCell } from "./wrap.js";

const GAP = 2;

const longestWord = (text: string) => Math.max(0, ...text.replace(ANSI, "").split(" ").map((word) => word.length));

/** Column widths that fit `width` with `gap` between columns: the natural ones, or the widest shrunk first
 * (see the header). */
function fitWidths(natural: number[], floors: number[], width: number, gap: number): number[] {
  const widths = [...natural];
  const total = () => widths.reduce((sum, w) => sum + w, 0) + gap * (widths.length - 1);
  while (total() > width) {
    const shrinkable = widths.map((w, column) => (w > floors[column]! ? w : -1));
    const widest = Math.max(...shrinkable);
    if (widest < 0) break;
    const column = shrinkable.indexOf(widest);
    const next = Math.max(...shrinkable.filter((w, other) => other !== column && w < widest), floors[column]!);
    widths[column] = Math.max(next, widest - (total() - width));
  }
  // Still too wide: every column is at its longest word; let words be cut down to MIN_COLUMN.
  while (total() > width) {
    const widest = Math.max(...widths);
    if (widest <= MIN_COLUMN) break;
    const column = widths.indexOf(widest);
    widths[column] = Math.max(MIN_COLUMN, widest - (total() - width));
  }
  return widths;
}

/** Above this many cells, `fitWidths` alone (its cost does not grow with the number of rows). */
const SHORTEST_LIMIT = 4000;

/** Column widths that fit `width` and make the table short: one column at a time gives up a character,
 * the one whose loss adds the fewest lines (the widest on a tie), never below its longest word; then
 * `fitWidths` if that is not enough. */
function shortestWidths(all: ReadonlyArray<readonly string[]>, natural: number[], floors: number[], width: number, gap: number): number[] {
  const widths = [...natural];
  const cache = new Map<string, number[]>();
  const linesAt = (column: number, w: number) => {
    const key = `${column}:${w}`;
    let lines = cache.get(key);
    if (!lines) cache.set(key, (lines = all.map((row) => wrapCell(row[column] ?? "", w).length)));
    return lines;
  };
  const height = (candidate: number[]) => {
    const columns = candidate.map((w, column) => linesAt(column, w));
    return all.reduce((sum, _, row) => sum + Math.max(...columns.map((lines) => lines[row]!)), 0);
  };
  let excess = widths.reduce((sum, w) => sum + w, 0) + gap * (widths.length - 1) - width;
  while (excess > 0) {
    let best = -1;
    let bestHeight = Infinity;
    for (let column = 0; column < widths.length; column++) {
      if (widths[column]! <= floors[column]!) continue;
      const candidate = widths.map((w, other) => (other === column ? w - 1 : w));
      const h = height(candidate);
      if (h < bestHeight || (h === bestHeight && widths[column]! > widths[best]!)) [best, bestHeight] = [column, h];
    }
    if (best < 0) return fitWidths(widths, floors, width, gap);
    widths[best]! -= 1;
    excess -= 1;
  }
  return widths;
}

export function textTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>, width = Infinity): string {
  const all = [headers, ...rows];
  const natural = headers.map((_, column) => Math.max(...all.map((row) => visible(row[column] ?? ""))));
  const floors = headers.map((_, column) => Math.min(natural[column]!, Math.max(MIN_COLUMN, ...all.map((row) => longestWord(row[column] ?? "")))));
  // Two spaces between columns; one when that is what keeps every word whole.
  const gap = floors.reduce((sum, w) => sum + w, 0) + GAP * (headers.length - 1) > width ? 1 : GAP;
  const widths = all.length * headers.length <= SHORTEST_LIMIT ? shortestWidths(all, natural, floors, width, gap) : fitWidths(natural, floors, width, gap);
  const render = (cells: readonly string[]) => {
    const wrapped = headers.map((_, column) => wrapCell(cells[column] ?? "", widths[column]!));
    const height = Math.max(...wrapped.map((lines) => lines.length));
    return Array.from({ length: height }, (_, line) =>
      wrapped.map((lines, column) => {
        const cell = lines[line] ?? "";
        return column === wrapped.length - 1 ? cell : cell + " ".repeat(widths[column]! - visible(cell));
      }).join(" ".repeat(gap)).trimEnd()).join("\n");
  };
  return [render(headers), widths.map((w) => "─".repeat(w)).join(" ".repeat(gap)), ...rows.map(render)].join("\n");
}

export function markdownTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const escape = (cell: string) => cell.replace(ANSI, "").replace(/\|/g, "\\|").replace(/\n/g, " ");
  return [
    `| ${headers.map(escape).join(" | ")} |`,
    `|${headers.map(() => "---").join("|")}|`,
    ...rows.map((row) => `| ${row.map(escape).join(" | ")} |`),
  ].join("\n");
}

/** The table function for an output format: Markdown as is, text fitted to `width`. */
export function tableFor(format: string, width: number): (headers: readonly string[], rows: ReadonlyArray<readonly string[]>) => string {
  return format === "markdown" ? markdownTable : (headers, rows) => textTable(headers, rows, width);
}
