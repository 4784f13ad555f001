// The command kind running real local programs: exit codes, stdout, env (with a secret) and cwd, a
// missing program, and a timeout that kills the whole process group, grandchildren included.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { command } from "../../src/probes/command.js";
import type { ProbeResult } from "../../src/probes/probe.js";
import { makeTempDir } from "./helpers/temp-dir.js";
import type { TempDir } from "./helpers/temp-dir.js";
import { probeContext } from "./helpers/probe-context.js";
import type { TestContext } from "./helpers/probe-context.js";

let contexts: TestContext[] = [];
afterEach(() => {
  for (const context of contexts) context.stop();
  contexts = [];
});

let temp: TempDir;
beforeAll(async () => {
  temp = await makeTempDir();
});
afterAll(() => temp.stop());

async function probe(input: unknown, options: Parameters<typeof probeContext>[0] = {}): Promise<ProbeResult> {
  const context = probeContext(options);
  contexts.push(context);
  return command.run(command.schema.parse(input), context.ctx);
}

/** True once the process is gone (or a zombie: dead, waiting to be reaped by whoever adopted it). */
async function gone(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return true;
  }
}

describe("command probe running local programs", () => {
  it("passes on exit 0 with the expected stdout", async () => {
    const result = await probe({ argv: ["echo", "active"], stdout: { contains: "active", matches: "^active$" } });
    expect(result).toMatchObject({ ok: true, message: "command echo active exited with 0 as expected.", details: { exit_code: 0 } });
  });

  it("fails on another exit code and quotes stderr", async () => {
    const result = await probe(["sh", "-c", "echo 'unit nginx failed' >&2; exit 3"]);
    expect(result).toMatchObject({ ok: false, reason: "exit_code", details: { exit_code: 3 } });
    expect(result.message).toContain('exited with 3, expected 0; stderr: "unit nginx failed"');
    expect(await probe({ argv: ["sh", "-c", "exit 3"], exit_code: 3 })).toMatchObject({ ok: true });
  });

  it("fails when stdout misses the expected text", async () => {
    const result = await probe({ argv: ["echo", "inactive"], stdout: { contains: "running" } });
    expect(result).toMatchObject({ ok: false, reason: "output" });
    expect(result.message).toBe('command echo inactive exited with 0 but stdout "inactive" does not contain "running".');
  });

  it("passes env (a secret among them) and cwd, and keeps the secret out of the result", async () => {
    const spec = {
      argv: ["sh", "-c", 'test "${#TOKEN}" = 7 && echo "$GREETING from $(pwd)"'],
      env: { TOKEN: { secret: "env:BACKUP_TOKEN" }, GREETING: "hello" },
      cwd: temp.path,
      stdout: { contains: `hello from ${temp.path}` },
    };
    const result = await probe(spec, { env: { BACKUP_TOKEN: "hunter2" } });
    expect(result).toMatchObject({ ok: true });
    expect(JSON.stringify(result)).not.toContain("hunter2");
  });

  it("masks a secret the command prints back in the message (issue 15 #15)", async () => {
    const spec = { argv: ["sh", "-c", 'echo "token is $TOKEN" >&2; exit 3'], env: { TOKEN: { secret: "env:BACKUP_TOKEN" } } };
    const result = await probe(spec, { env: { BACKUP_TOKEN: "hunter2-printed" } });
    expect(result).toMatchObject({ ok: false, reason: "exit_code" });
    expect(result.message).toContain("token is ***");
    expect(JSON.stringify(result)).not.toContain("hunter2-printed");
  });

  it("reports a program that does not exist", async () => {
    const result = await probe(["/nonexistent/check-thing"]);
    expect(result).toMatchObject({ ok: false, reason: "error" });
    expect(result.message).toBe("command /nonexistent/check-thing could not start: /nonexistent/check-thing was not found (or cwd does not exist).");
  });

  it("kills the whole process group on timeout, grandchildren included", async () => {
    const pidFile = join(temp.path, "grandchild.pid");
    const result = await probe(["sh", "-c", `sleep 60 & echo $! > ${pidFile}; wait`], { timeoutMs: 500 });
    expect(result).toMatchObject({ ok: false, reason: "timeout" });
    const grandchild = Number((await readFile(pidFile, "utf8")).trim());
    // SIGKILL is delivered asynchronously: poll (bounded) until the kernel has taken the process down.
    for (let attempt = 0; attempt < 50 && !(await gone(grandchild)); attempt++) await sleep(100);
    expect(await gone(grandchild)).toBe(true);
  });
});
