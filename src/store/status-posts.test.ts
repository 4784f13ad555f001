// A status post's life: created with its first update, updated, resolved by a "resolved" update, then
// closed to more updates; kept across a re-open of the store file.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openStore } from "./db.js";
import { createPost, getPost, listPosts, updatePost } from "./status-posts.js";

const T = Date.parse("2026-03-01T12:00:00Z");
let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("status posts", () => {
  it("are created, updated and resolved, then refuse more updates, and survive a re-open", () => {
    dir = mkdtempSync(join(tmpdir(), "understudy-posts-"));
    const path = join(dir, "state.db");
    const store = openStore(path);
    const post = createPost(store, { title: "Slow sign-in", message: "Looking into it.", services: ["headscale", "headscale"], by: "alice", at: T });
    expect(post).toMatchObject({ id: 1, title: "Slow sign-in", services: ["headscale"], resolvedAt: undefined, updates: [{ at: T, state: "investigating", message: "Looking into it.", by: "alice" }] });
    const updated = updatePost(store, post.id, { state: "identified", message: "A full disk.", title: "Sign-in down", by: "alice", at: T + 60_000 });
    expect(updated.ok && updated.post).toMatchObject({ title: "Sign-in down", updatedAt: T + 60_000, resolvedAt: undefined });
    const resolved = updatePost(store, post.id, { state: "resolved", message: "Space freed.", by: "bob", at: T + 120_000 });
    expect(resolved.ok && resolved.post.resolvedAt).toBe(T + 120_000);
    expect(updatePost(store, post.id, { state: "monitoring", message: "again", by: "bob", at: T + 180_000 })).toMatchObject({ ok: false, reason: "resolved" });
    expect(updatePost(store, 99, { state: "monitoring", message: "x", by: "bob", at: T })).toMatchObject({ ok: false, reason: "not-found", message: expect.stringContaining("no status post #99") });
    store.close();

    const again = openStore(path);
    expect(getPost(again, post.id)?.updates.map((update) => update.state)).toEqual(["investigating", "identified", "resolved"]);
    expect(listPosts(again, { since: T + 120_001 })).toEqual([]);
    expect(listPosts(again, { since: T }).map((found) => found.id)).toEqual([1]);
    again.close();
  });
});
