// Wrapping text at spaces to a width (the terminal's, see `terminalWidth` in io.ts), ANSI colors kept
// whole and not counted. Used by tables (table.ts), prose in command output, and every command's --help
// (main.ts), so it imports nothing.

// eslint-disable-next-line no-control-regex
export const ANSI = /\u001b\[[0-9;]*m/g;
export const visible = (text: string) => text.replace(ANSI, "").length;
/** The narrowest a column or a wrapped paragraph gets. */
export const MIN_COLUMN = 6;

/** Wraps one cell's text at spaces into lines of at most `width` visible characters (ANSI kept). */
export function wrapCell(text: string, width: number): string[] {
  if (visible(text) <= width) return [text];
  const lines: string[] = [];
  let current = "";
  for (const word of text.split(" ")) {
    const candidate = current === "" ? word : `${current} ${word}`;
    if (visible(candidate) <= width) {
      current = candidate;
      continue;
    }
    if (current !== "") lines.push(current);
    current = word;
    while (visible(current) > width) {
      const [head, tail] = cut(current, width);
      lines.push(head);
      current = tail;
    }
  }
  if (current !== "") lines.push(current);
  // A color opened on one line and closed on a later one would bleed into the padding: end each line's colors.
  return lines.map((line) => (line.includes("\u001b[") ? `${line}\u001b[0m` : line));
}

/** Splits after `width` visible characters, keeping ANSI sequences whole. */
function cut(text: string, width: number): [string, string] {
  let seen = 0;
  let index = 0;
  while (index < text.length && seen < width) {
    const escape = /^\u001b\[[0-9;]*m/.exec(text.slice(index)); // eslint-disable-line no-control-regex
    if (escape) index += escape[0].length;
    else {
      index += 1;
      seen += 1;
    }
  }
  return [text.slice(0, index), text.slice(index)];
}

/** A paragraph wrapped at spaces to `width`, continuation lines indented by `indent` spaces (Markdown
 * output is left whole: a renderer wraps it). */
export function wrapText(text: string, width: number, indent = 0): string {
  const lead = /^ */.exec(text)![0];
  const lines = wrapCell(text.slice(lead.length), Math.max(MIN_COLUMN, width - lead.length));
  if (lines.length <= 1 || indent <= lead.length) return lines.map((line) => lead + line).join("\n");
  const [head, ...rest] = lines;
  const tail = wrapCell(rest.join(" "), Math.max(MIN_COLUMN, width - indent)).map((line) => " ".repeat(indent) + line);
  return [lead + head!, ...tail].join("\n");
}

/** Help text fitted to `width`. Lines that fit are kept as written. A paragraph of prose written as
 * long lines (each 60 or more wide, same indent) is joined and refilled at its indent; an option or command
 * line ("  --flag X   what it does") continues under its description; a Usage line under its first option. */
export function wrapHelp(text: string, width: number): string {
  const lines = text.split("\n");
  if (lines.every((line) => visible(line) <= width)) return text;
  const lead = (line: string) => /^ */.exec(line)![0].length;
  const hanging = (line: string) => /^(\s*(?:Usage: )?understudy \S+ )/.exec(line) ?? /^(\s+\S+(?: \S+)*?\s{2,})\S/.exec(line);
  const out: string[] = [];
  for (let index = 0; index < lines.length; index++) {
    let line = lines[index]!;
    const term = hanging(line);
    if (term) {
      // An option's description continued on lines indented under it is one paragraph.
      while (index + 1 < lines.length && lead(lines[index + 1]!) === term[1]!.length && !hanging(lines[index + 1]!)) line = `${line} ${lines[++index]!.trimStart()}`;
      out.push(visible(line) <= width ? line : wrapText(line, width, term[1]!.length <= width / 2 ? term[1]!.length : lead(line)));
      continue;
    }
    // Prose: join the lines of one filled paragraph, then refill it.
    while (visible(line) >= 60 && index + 1 < lines.length && lines[index + 1]!.trim() !== "" && lead(lines[index + 1]!) === lead(line) && !hanging(lines[index + 1]!)) {
      line = `${line} ${lines[++index]!.trimStart()}`;
    }
    out.push(wrapText(line, width, lead(line)));
  }
  return out.join("\n");
}
