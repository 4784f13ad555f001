// The whole run gets a temporary folder of its own: TMPDIR points into it before any test file loads,
// so every `os.tmpdir()` of a test, and of the servers and commands it starts, lands there. At the end,
// whatever a test left behind is named (and under CI fails the run), then the folder goes either way.
import { chmodSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), "understudy-tests-"));
  // Like /tmp itself: tests that drop privileges (a daemon's own user, `nobody`) must still reach their folders.
  chmodSync(root, 0o1777);
  const before = process.env.TMPDIR;
  process.env.TMPDIR = root;
  return () => {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    const left = readdirSync(root);
    rmSync(root, { recursive: true, force: true });
    if (left.length === 0) return;
    const message = `tests left ${left.length} item(s) in the temporary folder: ${left.slice(0, 20).join(", ")}${left.length > 20 ? ", …" : ""}; each test must remove what it creates`;
    if (process.env.CI) {
      // vitest reports an error thrown here but keeps its exit code: set ours.
      process.exitCode = 1;
      throw new Error(message);
    }
    console.warn(`warning: ${message}`);
  };
}
