// /api/backups' data: replica ages with the service's RPO, and a target that cannot be listed named in
// the note while the rest still answers.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { recordReplica } from "../backup/replica-state.js";
import type { ConfigDocument } from "../config/schema.js";
import { backupsCatalogue } from "./backups-view.js";
import { fixtureConfig } from "./app-fixture.js";

let dir: string | undefined;
afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

describe("backups catalogue", () => {
  it("reports each standby's replica age against the RPO and names a target it cannot list", async () => {
    dir = mkdtempSync(join(tmpdir(), "understudy-backups-view-"));
    const base = await fixtureConfig();
    const config = {
      ...base,
      services: { ...base.services, headscale: { ...base.services.headscale!, target: { rpo: 300_000 } } },
      backup_targets: { nas: { local: { path: join(dir, "missing", "\0bad") } } },
    } as unknown as ConfigDocument;
    const now = Date.parse("2026-03-01T12:00:00Z");
    await recordReplica(dir, { service: "headscale", host: "O001", snapshot_id: "s1", data_time: new Date(now - 120_000).toISOString(), shipped_at: new Date(now - 60_000).toISOString() });
    const view = await backupsCatalogue(() => config, dir, {}, () => now)();
    expect(view.replicas).toEqual([{ service: "headscale", host: "O001", snapshot_id: "s1", data_time: new Date(now - 120_000).toISOString(), shipped_at: new Date(now - 60_000).toISOString(), age_ms: 120_000, rpo_ms: 300_000 }]);
    expect(view.snapshots).toEqual([]);
    expect(view.note).toMatch(/^target nas: /);
  });
});
