// `understudy status-post` as a person runs it: create, update, resolve and list posts in the store the
// agent reads (beside a config in a temporary folder); mistakes get a sentence and the usage.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { storePathIn } from "../store/data-dir.js";
import { openStore } from "../store/db.js";
import { getPost } from "../store/status-posts.js";
import { UsageError, type Io } from "./io.js";
import { statusPost } from "./status-post.js";

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function capture(env: NodeJS.ProcessEnv): { io: Io; out: () => string; err: () => string; reset: () => void } {
  let out = "";
  let err = "";
  const stream = (append: (text: string) => void) => Object.assign(new PassThrough(), { write: (chunk: string) => (append(String(chunk)), true) });
  return { io: { stdout: stream((t) => (out += t)), stderr: stream((t) => (err += t)), env } as unknown as Io, out: () => out, err: () => err, reset: () => { out = ""; err = ""; } };
}

function setUp() {
  dir = mkdtempSync(join(tmpdir(), "understudy-status-post-"));
  const config = join(dir, "understudy.yaml");
  writeFileSync(config, `version: 1
hosts: { O001: { address: 100.64.0.1 } }
services:
  nginx: { runs_on: [O001], public: true }
  forgejo: { runs_on: [O001] }
agents: { data_dir: state }
`);
  return { config, ...capture({ USER: "ada", COLUMNS: "100" }) };
}

describe("understudy status-post", () => {
  it("creates, updates, resolves and lists a post in the agent's store", async () => {
    const { config, io, out, err, reset } = setUp();
    expect(await statusPost(["create", "-c", config, "--title", "Slow pages", "-m", "Looking into it.", "--service", "nginx"], io)).toBe(0);
    expect(out()).toBe("Posted #1 Slow pages [investigating] (nginx).\n");
    reset();
    expect(await statusPost(["update", "1", "-c", config, "--state", "identified", "-m", "A full disk."], io)).toBe(0);
    expect(out()).toBe("Updated #1 Slow pages [identified] (nginx).\n");
    reset();
    expect(await statusPost(["resolve", "1", "-c", config], io)).toBe(0);
    expect(out()).toBe("Resolved #1 Slow pages [resolved] (nginx).\n");
    reset();
    expect(await statusPost(["resolve", "1", "-c", config], io)).toBe(1);
    expect(err()).toMatch(/^understudy: status post #1 was resolved at .*; create a new post instead\n$/);
    reset();
    expect(await statusPost(["list", "-c", config], io)).toBe(0);
    expect(out()).toMatch(/1\s+│?\s*Slow pages\s+│?\s*resolved\s+│?\s*nginx/);
    reset();
    expect(await statusPost(["list", "-c", config, "-f", "json"], io)).toBe(0);
    const listed = JSON.parse(out()) as { posts: Array<{ created_by: string; updates: Array<{ state: string; message: string; by: string }> }> };
    expect(listed.posts[0]!.updates).toEqual([
      expect.objectContaining({ state: "investigating", message: "Looking into it.", by: "ada" }),
      expect.objectContaining({ state: "identified", message: "A full disk." }),
      expect.objectContaining({ state: "resolved", message: "Resolved." }),
    ]);
    const store = openStore(storePathIn(join(dir!, "state")));
    expect(getPost(store, 1)?.resolvedAt).toBeTypeOf("number");
    store.close();
  });

  it("says what is wrong: an unknown service, a missing title, a bad state or ID, an unknown action", async () => {
    const { config, io } = setUp();
    await expect(statusPost(["create", "-c", config, "--title", "x", "-m", "y", "--service", "ngnix"], io)).rejects.toThrow('unknown service "ngnix"; services are: forgejo, nginx');
    await expect(statusPost(["create", "-c", config, "--title", "x", "-m", "y", "--service", "ngnix"], io)).rejects.toBeInstanceOf(UsageError);
    await expect(statusPost(["create", "-c", config, "-m", "y"], io)).rejects.toThrow("status-post create needs --title TEXT");
    await expect(statusPost(["create", "-c", config, "--title", "x", "-m", "y", "--state", "resolved"], io)).rejects.toThrow('--state must be one of investigating, identified, monitoring, got "resolved"');
    await expect(statusPost(["update", "one", "-c", config, "-m", "y"], io)).rejects.toThrow('a post ID is a whole number (see status-post list), got "one"');
    await expect(statusPost(["delete", "-c", config], io)).rejects.toThrow('unknown action "delete"; use create, update, resolve or list');
  });
});
