// What a command writes to, and how: streams, whether colors are wanted, and usage errors.
import pc from "picocolors";

export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export const processIo = (): Io => ({ stdout: process.stdout, stderr: process.stderr, env: process.env });

/** Colors only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function colors(io: Io) {
  const enabled = Boolean(io.stdout.isTTY) && !io.env.NO_COLOR && io.env.TERM !== "dumb";
  return pc.createColors(enabled);
}

export type Colors = ReturnType<typeof colors>;

/** How wide tables may be: the terminal's width when stdout is one, else $COLUMNS (a positive whole
 * number), else 80, so piped and redirected output reads the same in an 80-column terminal later. */
export function terminalWidth(io: Io): number {
  if (io.stdout.isTTY && typeof io.stdout.columns === "number" && io.stdout.columns > 0) return io.stdout.columns;
  const fromEnv = Number(io.env.COLUMNS);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 80;
}

/** A mistake on the command line: printed with the command's usage, exit status 2. */
export class UsageError extends Error {
  override name = "UsageError";
  constructor(message: string, readonly usage?: string) {
    super(message);
  }
}

export function writeLine(stream: NodeJS.WritableStream, text = ""): void {
  stream.write(`${text}\n`);
}
