// What the command and ssh kinds share: the command as an argument list (never a shell string) and
// the judgement of what it did (exit code, stdout), so that both kinds report alike.
import { z } from "zod";
import { excerpt, textExpectSchema, textMismatch } from "./expect.js";
import type { TextExpect } from "./expect.js";
import type { ProbeResult } from "./probe.js";
import { failed, passed } from "./result.js";

const SHELL_STRING_MESSAGE =
  'a command is a list of arguments such as ["systemctl", "is-active", "nginx"], never a shell string; write ["sh", "-c", "…"] if a shell is really wanted';

/**
 * A command as an argument list. A string is refused with a message saying why and what to write: it is
 * a union branch of its own (rather than a custom type error) so the config's error reporting, which
 * explains type mismatches generically, passes this message on.
 */
export const argvSchema = z
  .union([
    z.array(z.string()).min(1, { message: "the command needs at least the program to run" }),
    z
      .string()
      .describe("Refused: a shell string. Write the command as a list of arguments.")
      .transform((_text, ctx) => {
        ctx.addIssue({ code: "custom", message: SHELL_STRING_MESSAGE });
        return z.NEVER;
      }),
  ])
  .describe('The command as a list of arguments, e.g. ["systemctl", "is-active", "nginx"]. Never run through a shell.');

/** Keys every command-like check has. */
export const commandExpectShape = {
  exit_code: z.number().int().min(0).max(255).default(0).describe("The expected exit code. Default 0."),
  stdout: textExpectSchema.optional().describe("What the standard output must contain or match."),
};

export interface CommandOutcome {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** Judges a finished command against the expectations. `target` names it in the message. */
export function judgeCommand(
  target: string,
  outcome: CommandOutcome,
  expect: { exit_code: number; stdout?: TextExpect | undefined },
  latencyMs: number,
): ProbeResult {
  const details = { exit_code: outcome.exitCode, ...(outcome.signal === null ? {} : { signal: outcome.signal }) };
  const stderr = outcome.stderr.trim() === "" ? "" : `; stderr: ${excerpt(outcome.stderr)}`;
  if (outcome.exitCode === null) {
    return failed("signal", `${target} was killed by ${outcome.signal ?? "a signal"}${stderr}.`, latencyMs, details);
  }
  if (outcome.exitCode !== expect.exit_code) {
    return failed("exit_code", `${target} exited with ${outcome.exitCode}, expected ${expect.exit_code}${stderr}.`, latencyMs, details);
  }
  const mismatch = textMismatch("stdout", outcome.stdout, expect.stdout);
  if (mismatch !== undefined) return failed("output", `${target} exited with ${outcome.exitCode} but ${mismatch}.`, latencyMs, details);
  return passed(`${target} exited with ${outcome.exitCode} as expected.`, latencyMs, details);
}

/** Collects a stream's text up to a bound, so a chatty command cannot fill the agent's memory. */
export function collect(limitBytes = 256 * 1024): { add(chunk: Buffer): void; text(): string } {
  const chunks: Buffer[] = [];
  let size = 0;
  return {
    add(chunk) {
      if (size >= limitBytes) return;
      chunks.push(chunk);
      size += chunk.length;
    },
    text: () => Buffer.concat(chunks).toString("utf8"),
  };
}
