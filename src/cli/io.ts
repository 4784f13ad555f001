// What a command writes to, and how: streams, whether colors are wanted, and usage errors.
import pc from "picocolors";

export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
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
