// Plain-text and Markdown tables. Cells may carry ANSI colors; widths ignore them.

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;
const visible = (text: string) => text.replace(ANSI, "").length;

export function textTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((header, column) => Math.max(visible(header), ...rows.map((row) => visible(row[column] ?? ""))));
  const line = (cells: readonly string[]) =>
    cells.map((cell, column) => (column === cells.length - 1 ? cell : cell + " ".repeat(widths[column]! - visible(cell)))).join("  ").trimEnd();
  return [line(headers), line(widths.map((width) => "─".repeat(width))), ...rows.map(line)].join("\n");
}

export function markdownTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const escape = (cell: string) => cell.replace(ANSI, "").replace(/\|/g, "\\|").replace(/\n/g, " ");
  return [
    `| ${headers.map(escape).join(" | ")} |`,
    `|${headers.map(() => "---").join("|")}|`,
    ...rows.map((row) => `| ${row.map(escape).join(" | ")} |`),
  ].join("\n");
}
