// The command kind: runs a local program (argument list, no shell) and judges its exit code and stdout.
// On timeout the whole process group is killed, so a script's children do not outlive the check.
import { spawn } from "node:child_process";
import { z } from "zod";
import { defineProbe } from "./probe.js";
import { argvSchema, collect, commandExpectShape, judgeCommand } from "./command-expect.js";
import type { CommandOutcome } from "./command-expect.js";
import { resolveValues, secretValueSchema } from "./secret-value.js";
import { failed, raceAbort, stopwatch, timedOut } from "./result.js";

const commandObjectSchema = z.strictObject({
  argv: argvSchema,
  ...commandExpectShape,
  env: z
    .record(z.string(), secretValueSchema)
    .default({})
    .describe('Environment variables added to the agent\'s; a value may be { secret: "env:NAME" | "file:/path" }.'),
  cwd: z.string().optional().describe("The working directory. Default: the agent's."),
});

export const commandSchema = z
  .union([argvSchema.transform((argv) => commandObjectSchema.parse({ argv })), commandObjectSchema])
  .describe('A local command check: an argument list, or { argv, exit_code, stdout, env, cwd }.');

export type CommandSpec = z.output<typeof commandSchema>;

type Spawned = CommandOutcome | { startError: NodeJS.ErrnoException };

function runCommand(spec: CommandSpec, env: Record<string, string>, signal: AbortSignal): Promise<Spawned> {
  return new Promise((resolve) => {
    // detached: the child leads its own process group, which is what we kill on timeout.
    const child = spawn(spec.argv[0]!, spec.argv.slice(1), {
      cwd: spec.cwd,
      env: { ...process.env, ...env },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const stdout = collect();
    const stderr = collect();
    const killGroup = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // The group is already gone.
      }
    };
    signal.addEventListener("abort", killGroup, { once: true });
    child.stdout.on("data", stdout.add);
    child.stderr.on("data", stderr.add);
    child.on("error", (error) => {
      signal.removeEventListener("abort", killGroup);
      resolve({ startError: error });
    });
    child.once("close", (exitCode, exitSignal) => {
      signal.removeEventListener("abort", killGroup);
      resolve({ exitCode, signal: exitSignal, stdout: stdout.text(), stderr: stderr.text() });
    });
  });
}

export const command = defineProbe({
  kind: "command",
  schema: commandSchema,
  describe: (spec) => `command ${spec.argv.join(" ")}`,
  async run(spec, ctx) {
    const elapsed = stopwatch();
    const target = `command ${spec.argv.join(" ")}`;
    let env: Record<string, string>;
    try {
      env = await resolveValues(spec.env, ctx);
    } catch (error) {
      return failed("secret", `${target} was not run: ${(error as Error).message}.`, elapsed());
    }
    const outcome = await raceAbort(ctx.signal, runCommand(spec, env, ctx.signal), () => undefined);
    const latencyMs = elapsed();
    if (outcome === undefined || ctx.signal.aborted) return timedOut(target, ctx, latencyMs);
    if ("startError" in outcome) {
      const code = outcome.startError.code;
      const why = code === "ENOENT" ? `${spec.argv[0]} was not found (or cwd does not exist)` : code === "EACCES" ? `${spec.argv[0]} is not executable` : outcome.startError.message;
      return failed("error", `${target} could not start: ${why}.`, latencyMs);
    }
    return judgeCommand(target, outcome, spec, latencyMs);
  },
});
