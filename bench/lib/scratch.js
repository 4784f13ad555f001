// A benchmark's scratch folder that goes away however the benchmark ends: normally (its own `finally`),
// on an uncaught error, or interrupted (Ctrl-C, SIGTERM, SIGHUP: the default for those signals kills
// the process without running `finally`, which left gigabytes behind). Child processes a benchmark
// registers are killed first, so they cannot write into the folder while it is removed.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const folders = new Set();
const children = new Set();

function cleanUp() {
  for (const child of children) {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  }
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  folders.clear();
}

let installed = false;
function install() {
  if (installed) return;
  installed = true;
  process.once("exit", cleanUp);
  for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143], ["SIGHUP", 129]]) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: removing the benchmark's scratch folders\n`);
      cleanUp();
      process.exit(code);
    });
  }
}

/** Creates <tmp>/<prefix>XXXXXX, removed at exit or on an interrupt. */
export function scratchDir(prefix) {
  install();
  const folder = mkdtempSync(join(tmpdir(), prefix));
  folders.add(folder);
  return folder;
}

/** A child process to kill before the scratch folders are removed on an interrupt. */
export function ownChild(child) {
  install();
  children.add(child);
  child.once?.("exit", () => children.delete(child));
  return child;
}
