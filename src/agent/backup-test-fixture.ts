// A backup scheduler for tests: a headscale-shaped service (a WAL SQLite database and its key) in a
// temporary folder, a real in-memory store, a fake clock, a real dispatcher with a notifier that
// records what it was asked to send, the real Prometheus registry and push receiver. Jobs and replica
// ages can be swapped for stand-ins; by default the real jobs back up to a local folder.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { Registry } from "prom-client";
import { z } from "zod";
import { parseConfig } from "../config/load.js";
import type { ConfigDocument } from "../config/schema.js";
import { FakeClock } from "../engine/clock.js";
import { Dispatcher } from "../notify/dispatcher.js";
import { defineNotifier, type Notification } from "../notify/notifier.js";
import { openStore, type Store } from "../store/db.js";
import { startAgentBackups, type AgentBackups, type AgentBackupsOptions } from "./backup-agent.js";
import { silentLogger } from "./log.js";

export interface BackupFixture {
  dir: string;
  clock: FakeClock;
  store: Store;
  registry: Registry;
  backups: AgentBackups;
  /** Every notification delivered, in order. */
  sent: Notification[];
  beats: string[];
  /** Advances the clock `times` steps of `ms`, letting the runs each step started finish (real I/O). */
  step(ms: number, times?: number): Promise<void>;
  /** Lets queued notifications go out, then returns the titles sent so far. */
  titles(): Promise<string[]>;
  /** Replaces the service part of the config (and the nas target's folder), as a reload would. */
  setConfig(service: string, targetPath?: string): void;
  close(): Promise<void>;
}

export async function headscaleData(dir: string): Promise<{ db: string; key: string }> {
  const db = join(dir, "db.sqlite");
  const handle = new Database(db);
  handle.pragma("journal_mode = WAL");
  handle.exec("CREATE TABLE nodes (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO nodes (name) VALUES ('L001'), ('H001');");
  handle.close();
  const key = join(dir, "noise_private.key");
  await writeFile(key, "privkey:0123456789abcdef", { mode: 0o600 });
  return { db, key };
}

/** The service part of the config, for `services.headscale` (data: is added). */
export function headscaleYaml(dir: string, service: string, targetPath = join(dir, "store")): string {
  return [
    "version: 1",
    "hosts: { L001: { address: 127.0.0.1 }, L002: { address: 127.0.0.2, ssh: { private_key: 'file:/dev/null', host_key: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } } }",
    "services:",
    "  headscale:",
    "    criticality: critical",
    "    primary: L001",
    "    standby: [L002]",
    `    data: [{ sqlite: ${join(dir, "db.sqlite")} }, { path: ${join(dir, "noise_private.key")} }]`,
    ...service.split("\n").map((line) => `    ${line}`),
    "backup_targets:",
    `  nas: { local: { path: ${targetPath} } }`,
    "",
  ].join("\n");
}

function parse(yaml: string): ConfigDocument {
  const loaded = parseConfig(yaml, "understudy.yaml");
  if (!loaded.ok) throw new Error(`test config refused: ${JSON.stringify(loaded.diagnostics)}`);
  return loaded.config;
}

export async function startBackupFixture(
  service: string,
  options: { start?: number; timeZone?: string; pushTokens?: string[] } & Partial<Pick<AgentBackupsOptions, "jobs" | "replicas">> = {},
): Promise<BackupFixture> {
  const dir = await mkdtemp(join(tmpdir(), "understudy-agent-backup-"));
  await headscaleData(dir);
  const clock = new FakeClock(options.start ?? Date.parse("2026-01-05T10:00:00Z"));
  const store = openStore(":memory:");
  const sent: Notification[] = [];
  const recorder = defineNotifier({ kind: "record", schema: z.object({}), describe: () => "records", send: (_spec, n) => (sent.push(n), Promise.resolve({ ok: true as const })) });
  const dispatcher = new Dispatcher({ notifiers: [{ kind: recorder, spec: {} }], clock, timers: clock });
  const registry = new Registry();
  let doc = parse(headscaleYaml(dir, service));
  const beats: string[] = [];
  const tokens = new Set(options.pushTokens ?? []);
  const backups = startAgentBackups({
    clock, store, registry, dataDir: join(dir, "state"), env: {}, log: silentLogger(),
    config: () => doc,
    dispatcher: () => dispatcher,
    secret: (ref) => Promise.resolve(ref.replace(/^env:/, "resolved-")),
    beat: (token) => (beats.push(token), tokens.has(token)),
    timeZone: options.timeZone ?? "UTC",
    ...(options.jobs ? { jobs: options.jobs } : {}),
    ...(options.replicas ? { replicas: options.replicas } : {}),
  });
  return {
    dir, clock, store, registry, backups, sent, beats,
    async step(ms, times = 1) {
      for (let i = 0; i < times; i++) {
        await clock.advance(ms);
        await backups.scheduler.idle();
      }
    },
    async titles() {
      await dispatcher.idle();
      return sent.map((n) => n.title);
    },
    setConfig(yaml, targetPath) {
      doc = parse(headscaleYaml(dir, yaml, targetPath));
    },
    async close() {
      await backups.stop();
      await dispatcher.stop();
      store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
