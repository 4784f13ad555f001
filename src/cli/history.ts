// `understudy history [SERVICE] [--format table|json|markdown]`: failovers and failbacks from the
// journal in the data directory, newest first, each with its steps' timings and outputs.
// With coordination etcd the leader's runs live in etcd (<prefix>/runs/<service>, the latest per
// service), and a follower's own journal may not hold them: those are merged in (etcd's copy wins
// for a run both hold, matched by service, start and hosts). etcd not answering is said on stderr and
// the local journal is shown alone.
import { dirname, resolve } from "node:path";
import { readSecret } from "../config/secret.js";
import { connectEtcd } from "../coord/etcd-client.js";
import type { Topology } from "../model/topology.js";
import { FailoverJournal, type RunRecord } from "../failover/journal.js";
import { historyView } from "../failover/history-view.js";
import { resolveDataDir, storePathIn } from "../store/data-dir.js";
import { openStore } from "../store/db.js";
import { terminalWidth, UsageError, writeLine, type Io } from "./io.js";
import { CONFIG_OPTION, configPath, loadTopology, parseFlags, parseFormat } from "./options.js";
import { tableFor } from "./table.js";
import { wrapText } from "./wrap.js";

export const usage = `Usage: understudy history [SERVICE] [--format table|json|markdown] [--config FILE]

  Failovers and failbacks, newest first: why, from and to, how they ended, and every step with its
  duration and output. JSON adds decide_ms (failure confirmed → plan started) and act_ms (plan
  started → DNS switched).`;

export async function history(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(argv, { ...CONFIG_OPTION, format: { type: "string", short: "f" } }, usage, true);
  if (positionals.length > 1) throw new UsageError("history takes at most one SERVICE", usage);
  const format = parseFormat(values.format, usage);
  const file = configPath(values.config, io.env);
  const { topology } = loadTopology(file);
  const service = positionals[0];
  if (service !== undefined && !topology.services.has(service)) throw new UsageError(`unknown service "${service}"`, usage);
  const store = openStore(storePathIn(resolveDataDir(topology.agents.data_dir, io.env, dirname(resolve(file)))));
  try {
    const local = new FailoverJournal(store).list({ service });
    const runs = mergeRuns(local, await etcdRuns(topology, io).then((found) => found.filter((run) => service === undefined || run.service === service))).map(historyView);
    if (format === "json") {
      writeLine(io.stdout, JSON.stringify({ failovers: runs }, null, 2));
      return 0;
    }
    if (runs.length === 0) {
      writeLine(io.stdout, `No failovers${service === undefined ? "" : ` of ${service}`} yet.`);
      return 0;
    }
    const width = format === "markdown" ? Infinity : terminalWidth(io);
    const table = tableFor(format, width);
    for (const run of runs) {
      writeLine(io.stdout, wrapText(`#${run.id} ${run.started_at} ${run.kind} of ${run.service} ${run.from} → ${run.to}: ${run.status}${run.forced ? " (forced)" : ""}`, width, 2));
      writeLine(io.stdout, wrapText(`  ${run.summary ?? run.reason}`, width, 2));
      writeLine(io.stdout, table(["Step", "Try", "Status", "ms", "Output"], run.steps.map((step) => [step.step, String(step.attempt), step.status, step.duration_ms === null ? "—" : String(step.duration_ms), (step.output ?? step.reason ?? "").split("\n")[0]!.slice(0, 100)])));
      writeLine(io.stdout);
    }
    return 0;
  } finally {
    store.close();
  }
}

const sameRun = (a: RunRecord, b: RunRecord) => a.service === b.service && a.startedAt === b.startedAt && a.from === b.from && a.to === b.to;

/** The local journal's runs with etcd's added or (for the same run) preferred; newest first. */
export function mergeRuns(local: readonly RunRecord[], fromEtcd: readonly RunRecord[]): RunRecord[] {
  const merged = local.filter((run) => !fromEtcd.some((other) => sameRun(run, other)));
  return [...merged, ...fromEtcd].sort((a, b) => b.startedAt - a.startedAt);
}

async function etcdRuns(topology: Topology, io: Io): Promise<RunRecord[]> {
  const coordination = topology.agents.coordination;
  if (coordination === "local") return [];
  const etcd = await connectEtcd(coordination.etcd, (ref) => readSecret(ref, io.env));
  try {
    const { kvs } = await etcd.range(`${coordination.etcd.prefix}/runs/`);
    return kvs.flatMap((kv) => {
      try {
        return [JSON.parse(kv.value) as RunRecord];
      } catch {
        return [];
      }
    });
  } catch (error) {
    writeLine(io.stderr, `understudy: etcd does not answer (${error instanceof Error ? error.message : String(error)}); showing this host's journal only`);
    return [];
  } finally {
    await etcd.close();
  }
}
