// How `backup run` draws its progress on a terminal: a line per step, redrawn with a bar and the
// seconds while it runs, left as a summary when it ends; the storing on a target the same way.
import { Writable } from "node:stream";
import { expect, it } from "vitest";
import { backupProgress } from "./backup-progress.js";

class Terminal extends Writable {
  text = "";
  isTTY = true;
  override _write(chunk: Buffer, _encoding: string, done: () => void) {
    this.text += chunk.toString();
    done();
  }
  /** What the screen shows: each \r starts the line again, \x1b[K clears it. */
  get screen(): string[] {
    return this.text.split("\n").map((line) => line.split("\r").at(-1)!.replace("\x1b[K", ""));
  }
}

it("on a terminal, a step's line shows a bar and seconds from the start, and stays as a summary", () => {
  const stderr = new Terminal();
  let clock = 1_000;
  const display = backupProgress({ stdout: Object.assign(new Terminal(), { columns: 80 }), stderr, env: {} }, "headscale", () => clock);
  const item = "/var/lib/headscale/db.sqlite";
  display.snapshot({ step: "copy", item, done: 0, total: 200e6, phase: "start" });
  expect(stderr.screen.at(-1)).toBe("headscale: snapshot: copying db.sqlite ░░░░░░░░░░░░   0% 0.0/200.0 MB 0.0 s");
  clock += 1_500;
  display.snapshot({ step: "copy", item, done: 90e6, total: 200e6, phase: "update" });
  expect(stderr.screen.at(-1)).toBe("headscale: snapshot: copying db.sqlite █████░░░░░░░  45% 90.0/200.0 MB 1.5 s");
  clock += 2_000;
  display.snapshot({ step: "copy", item, done: 200e6, total: 200e6, phase: "end" });
  const store = display.store("nas");
  store(0, 200e6);
  clock += 500;
  store(200e6, 200e6);
  expect(stderr.screen).toEqual([
    "headscale: snapshot: copied db.sqlite, 200.0 MB in 3.5 s",
    "headscale: storing on nas ████████████ 100% 200.0/200.0 MB 0.5 s",
    "",
  ]);
  for (const line of stderr.screen) expect(line.length).toBeLessThanOrEqual(79);
  // 205.3 MB after 12.5 s: the figures stay whole, the name gives way.
  const long = "/var/lib/headscale/a-much-longer-database-name.sqlite";
  display.snapshot({ step: "hash", item: long, done: 0, total: 205.3e6, phase: "start" });
  clock += 12_500;
  display.snapshot({ step: "hash", item: long, done: 100e6, total: 205.3e6, phase: "update" });
  expect(stderr.screen.at(-1)).toBe("headscale: snapshot: computing the sha… ██████░░░░░░  49% 100.0/205.3 MB 12.5 s");
  expect(stderr.screen.at(-1)!.length).toBe(79);
});

it("a line wider than the terminal is cut in its text with an ellipsis, the seconds kept, never wrapped", () => {
  const stderr = new Terminal();
  const display = backupProgress({ stdout: Object.assign(new Terminal(), { columns: 40 }), stderr, env: {} }, "headscale", () => 0);
  display.snapshot({ step: "pull", item: "/srv/a-rather-long-folder-name", host: "nas", done: 0, phase: "start" });
  expect(stderr.screen.at(-1)).toBe("headscale: snapshot: pulling a-r… 0.0 s");
});
