// What the API needs from the running agent, injected so the app is built and tested without one.
// Getters, not values: a config reload swaps the topology and config, and the next request sees them.
import type { AgentStatus } from "../agent/status.js";
import type { ConfigDocument } from "../config/schema.js";
import type { Clock } from "../engine/clock.js";
import type { PushSignalKind } from "../probes/push-ping.js";
import type { AgentEmitter } from "../engine/events.js";
import type { Topology } from "../model/topology.js";
import type { Store } from "../store/db.js";

/** The agent's original surface (/healthz, /metrics, /push, /api/status). */
export interface CoreDeps {
  version: string;
  /** Seconds since the agent started. */
  uptime(): number;
  metrics(): Promise<{ contentType: string; body: string }>;
  status(): AgentStatus;
  /** Records a push signal (a success when none is given); false when no push check uses this token. */
  push(token: string, signal?: { kind: PushSignalKind; body: string }): boolean;
}

/** The failover engine's surface, when this build has one. */
export interface FailoverApi {
  history(): Promise<unknown[]> | unknown[];
  /** The plan for failing `service` over (to `to`, or the first eligible standby) or back to its primary, not run. */
  plan(service: string, to: string | undefined, kind?: "failover" | "failback"): Promise<unknown> | unknown;
  /** Starts a failover or failback; resolves with what was started (progress follows as `failover` events). */
  start(service: string, to: string | undefined, by: string, kind?: "failover" | "failback"): Promise<unknown>;
  /** Step progress, forwarded to the SSE `failover` event; returns the unsubscribe function. */
  onProgress(listener: (event: unknown) => void): () => void;
  /** The host serving a failover service now; undefined when it never moved. */
  activeHost?(service: string): string | undefined;
}

export interface BackupsView {
  snapshots: Array<{ id: string; service: string; host: string; created_at: string; bytes: number; target: string }>;
  replicas: Array<{ service: string; host: string; snapshot_id: string; data_time: string; shipped_at: string; age_ms: number; rpo_ms: number | null }>;
  note?: string;
}

export interface AgentsView {
  leader: string | undefined;
  quorum: number;
  agents: Array<{ name: string; version: string; leader: boolean; started_at: string; lease_age_s: number; last_observation_at: string | null; down: string[] }>;
  /** Agents that joined and are now without a lease: died or cut off from etcd. */
  gone: string[];
}

/** `understudy demo`'s controls: present only in the demo, and then the demo routes exist. */
export interface DemoControl {
  services(): string[];
  /** The hosts a demo service has an instance on. */
  hosts(service: string): string[];
  /** Kills the instance on `host`, or (without one) the one serving now. */
  kill(service: string, host?: string): Promise<{ killed: string; host: string }>;
  restore(service: string): Promise<{ started: string; host: string }>;
}

export interface ApiDeps extends CoreDeps {
  clock: Pick<Clock, "now" | "setTimeout" | "clearTimeout">;
  topology(): Topology;
  config(): ConfigDocument;
  /** The config file's folder: relative password_hash_file paths start there. */
  configDir: string;
  store: Store;
  /** The agent's events: verdicts, health changes and incidents drive the SSE stream. */
  events: AgentEmitter;
  health(service: string): string;
  failover?: FailoverApi;
  backups?(): Promise<BackupsView>;
  /** The agents coordinated through etcd (`understudy agents`'s list); undefined with coordination local. */
  agents?(): Promise<AgentsView | undefined>;
  demo?: DemoControl;
  /** The built dashboard (default: web/dist beside the package). */
  webRoot?: string;
  /** Problems worth a log line (never with a secret in it). */
  warn(message: string): void;
}

/** What the agent adds to its original routes' dependencies to serve the dashboard API. */
export type ApiWiring = Omit<ApiDeps, keyof CoreDeps>;
