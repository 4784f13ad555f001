import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseHosts } from "./hosts-table.js";
import { watchedFile } from "./watched-file.js";

describe("parseHosts", () => {
  it("reads addresses and aliases case-insensitively, skipping comments and junk", () => {
    const table = parseHosts("127.0.0.1 localhost\n10.0.0.7 NAS.lan nas # the NAS\nfd00::7 nas.lan\n# 10.0.0.1 gone.lan\nnot-an-address host\n10.0.0.8 nas.lan.\n");
    expect(table.get("nas.lan")).toEqual({ v4: ["10.0.0.7", "10.0.0.8"], v6: ["fd00::7"] });
    expect(table.get("nas")).toEqual({ v4: ["10.0.0.7"], v6: [] });
    expect(table.has("gone.lan")).toBe(false);
    expect(table.has("host")).toBe(false);
  });
});

describe("watchedFile", () => {
  it("parses again only when the file changed, looking at most once per recheck period", () => {
    const dir = mkdtempSync(join(tmpdir(), "understudy-watched-"));
    try {
      const path = join(dir, "hosts");
      writeFileSync(path, "10.0.0.1 a\n");
      let now = 0;
      let parses = 0;
      const file = watchedFile(path, (text) => {
        parses++;
        return parseHosts(text);
      }, 1_000, () => now);
      expect(file.current().has("a")).toBe(true);
      writeFileSync(path, "10.0.0.2 b\n");
      utimesSync(path, new Date(), new Date(Date.now() + 5_000));
      now = 500;
      expect(file.current().has("a")).toBe(true);
      now = 1_500;
      expect(file.current().has("b")).toBe(true);
      now = 3_000;
      file.current();
      expect(parses).toBe(2);
      rmSync(path);
      now = 4_500;
      expect(file.current().size).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
