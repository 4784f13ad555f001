// `understudy drill SERVICE [--scenario S] [--dry-run]`: cause a failure of the primary, measure the
// failover against the target, check the standby's data, restore (src/drill/). `--list` shows the
// stored drills; `--recover` only restores drills a crash left behind. Any real drill run does that
// recovery first, so a drill killed with -9 is undone by the next `understudy drill`.
import { dirname, resolve } from "node:path";
import { SCENARIOS, type Scenario } from "../drill/config.js";
import { DrillJournal } from "../drill/journal.js";
import { drillNumbers } from "../drill/measure.js";
import { openDrills } from "../drill/open.js";
import { DRILL_COLUMNS, drillJson, drillRow } from "../drill/report.js";
import type { Drill } from "../drill/machine.js";
import { resolveDataDir, storePathIn } from "../store/data-dir.js";
import { openStore } from "../store/db.js";
import { terminalWidth, UsageError, writeLine, type Io } from "./io.js";
import { CONFIG_OPTION, configPath, loadTopology, parseFlags, parseFormat } from "./options.js";
import { tableFor } from "./table.js";

export const usage = `Usage: understudy drill SERVICE [--scenario stop|kill-host|partition|slow] [--dry-run] [--config FILE]
       understudy drill --list [SERVICE] [--format table|json|markdown] [--config FILE]
       understudy drill --recover [--config FILE]

  Proves the failover works: checks the preconditions (standby passing its checks, replica within the
  RPO, no open incident, inside a drill window), writes a marker on the primary, causes the failure
  (services.NAME.drill.scenarios, or for stop the failover's fence), measures the time to detect, to
  decide, to switch DNS and to serve from the standby, asks the standby for the marker, then restores
  (undo the failure, fail back, see the primary serve). Another service degrading or the deadline
  passing aborts and restores at once. Exit 0 when the drill passed.
  --dry-run   print what would happen and the preconditions' verdict; change nothing
  --list      stored drills, newest first: RTO measured against the target over time
  --recover   restore drills whose process died (kill -9, reboot); also done before every drill`;

function list(file: string, service: string | undefined, format: string | undefined, io: Io): number {
  const { topology } = loadTopology(file);
  const store = openStore(storePathIn(resolveDataDir(topology.agents.data_dir, io.env, dirname(resolve(file)))));
  try {
    const drills = new DrillJournal(store).list({ service });
    const chosen = parseFormat(format ?? "table", usage);
    if (chosen === "json") writeLine(io.stdout, JSON.stringify({ drills: drills.map(drillJson) }, null, 2));
    else if (drills.length === 0) writeLine(io.stdout, `no drills yet${service === undefined ? "" : ` of ${service}`}: run \`understudy drill SERVICE\``);
    else writeLine(io.stdout, tableFor(chosen, terminalWidth(io))(DRILL_COLUMNS, drills.map(drillRow)));
    return 0;
  } finally {
    store.close();
  }
}

function progress(io: Io) {
  let last = "";
  return (drill: Drill) => {
    if (drill.state === last) return;
    last = drill.state;
    writeLine(io.stderr, `drill #${drill.id}: ${drill.state}`);
  };
}

function printResult(drill: Drill, io: Io): void {
  const n = drillNumbers(drill);
  const s = (ms: number | undefined) => (ms === undefined ? "not reached" : `${(ms / 1000).toFixed(1)} s`);
  writeLine(io.stdout, [
    `drill #${drill.id} of ${drill.service} (${drill.scenario}, ${drill.mode === "agent" ? "the agent acted" : "the drill acted"}): ${drill.outcome}`,
    `  detect  ${s(n.detectMs)}${n.firstFailureMs === undefined ? "" : ` (first failed check after ${s(n.firstFailureMs)})`}`,
    `  decide  ${s(n.decideMs)}`,
    `  switch  ${s(n.switchMs)}`,
    `  serve   ${s(n.serveMs)}`,
    `  RTO     ${s(n.rtoMs)}${n.targetRtoMs === undefined ? " (no target.rto)" : ` against a target of ${s(n.targetRtoMs)}`}`,
    `  data    ${drill.data ? `${drill.data.marker}${drill.data.lostMs === undefined ? "" : `, ${s(drill.data.lostMs)} lost`}: ${drill.data.note}` : "not measured"}`,
    ...drill.notes.map((line) => `  · ${line}`),
    drill.summary ?? "",
  ].join("\n"));
}

export async function drill(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    ...CONFIG_OPTION, scenario: { type: "string" }, "dry-run": { type: "boolean" }, list: { type: "boolean" }, recover: { type: "boolean" }, format: { type: "string", short: "f" },
  }, usage, true);
  const [service, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`one service at a time; unexpected ${extra.join(" ")}`, usage);
  const file = configPath(values.config, io.env);
  if (values.list) return list(file, service, values.format, io);
  const scenario = (values.scenario ?? "stop") as Scenario;
  if (!SCENARIOS.includes(scenario)) throw new UsageError(`--scenario is one of ${SCENARIOS.join(", ")}`, usage);
  if (!values.recover) {
    if (service === undefined) throw new UsageError("drill takes a SERVICE (or --list, --recover)", usage);
    const placement = loadTopology(file).topology.services.get(service)?.placement;
    if (placement === undefined) throw new UsageError(`unknown service "${service}"`, usage);
    if (placement.kind !== "failover" || placement.standby.length === 0) throw new UsageError(`${service} has no primary + standby: there is no failover to drill`, usage);
  }

  const drills = await openDrills(file, io.env, { offline: values["dry-run"] === true });
  try {
    if (!values["dry-run"]) {
      for (const settled of await drills.settle({ onChange: progress(io) })) writeLine(io.stderr, `restored drill #${settled.id} a crash left unfinished: ${settled.summary}`);
      if (values.recover) return 0;
    }
    const prepared = await drills.prepare({ service: service!, scenario, onChange: progress(io) });
    writeLine(io.stdout, prepared.describe.join("\n"));
    for (const problem of prepared.problems) writeLine(io.stderr, `precondition: ${problem}`);
    if (values["dry-run"]) {
      writeLine(io.stdout, prepared.problems.length > 0 ? "dry run: the preconditions above would refuse it; nothing was changed." : "dry run: the preconditions pass; nothing was changed.");
      return 0;
    }
    const done = await prepared.run();
    printResult(done, io);
    return done.outcome === "passed" ? 0 : 1;
  } finally {
    await drills.close();
  }
}
