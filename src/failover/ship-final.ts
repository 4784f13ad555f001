// The real FinalSync: the data path's shipFinalSnapshot (src/backup/replication.ts), which takes a
// snapshot on the fenced source host and ships it to the target (refused there while a process has the
// data open), through each host's HostAccess (local or SSH). One host pool per sync, closed after it.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { shipFinalSnapshot } from "../backup/replication.js";
import type { ConfigDocument } from "../config/schema.js";
import { HostAccessPool } from "../hosts/host-for.js";
import type { FinalSync } from "./final-sync.js";

export function hostFinalSync(doc: () => ConfigDocument, dataDir: string, env: NodeJS.ProcessEnv): FinalSync {
  return {
    async ship(service, from, to, signal) {
      const scratchDir = join(dataDir, "staging");
      await mkdir(scratchDir, { recursive: true });
      const config = doc();
      const pool = new HostAccessPool(config, { env, scratchDir });
      try {
        const result = await shipFinalSnapshot(service, from, to, { doc: config, dataDir, hosts: (host) => pool.get(host), signal });
        return result.ok
          ? { status: "done", output: `final snapshot ${result.snapshotId} taken on ${from}, shipped to ${to} (${result.files} files, ${result.wireBytes} bytes sent)` }
          : { status: "failed", reason: result.kind, output: result.message };
      } catch (error) {
        return { status: "failed", reason: "error", output: error instanceof Error ? error.message : String(error) };
      } finally {
        await pool.close();
      }
    },
  };
}
