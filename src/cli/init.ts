// `understudy init`: writes a first, commented config from a few answers (asked on a terminal, or given
// as flags), proves it loads, and shows what the analysis already sees in it.
import { existsSync, renameSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline/promises";
import { analyze } from "../analysis/analyze.js";
import { formatDiagnostic } from "../config/diagnostics.js";
import { loadConfig, parseConfig } from "../config/load.js";
import { buildTopology } from "../model/topology.js";
import { AnswerError, checkAnswers, parseHostFlag, parseServiceFlag, type InitAnswers } from "../init/answers.js";
import { interview, type Conversation } from "../init/interview.js";
import { renderInitConfig } from "../init/render.js";
import { colors, UsageError, writeLine, type Io } from "./io.js";
import { parseFlags } from "./options.js";

export const usage = `Usage: understudy init [--output FILE] [--force] [--yes] [--host NAME=ADDRESS]... [--service NAME@HOST[,HOST][:role[:criticality]]]... [--ntfy URL]

  Writes a first config (default ./understudy.yaml), commented, with examples of what to add next.
  On a terminal it asks for hosts, services (where each runs, standbys, checks, what it depends on and is
  reached through, which are public) and notifiers (every kind); with --host/--service (or --yes) it asks nothing.

  --host H001=100.64.0.13              a host (repeat for more)
  --service adguard@H003:dns:high      a service, the hosts it runs on, its role and criticality (repeat)
  --ntfy URL                           send alerts to this ntfy topic
  --force                              replace an existing file
  --yes                                never ask; take the flags as they are`;

type Input = NodeJS.ReadableStream & { isTTY?: boolean };

/** Reads answer lines from the input. Lines that arrive before a question are queued, not lost. */
function conversation(input: Input, io: Io): Conversation & { close(): void } {
  const rl = createInterface({ input, output: io.stdout, terminal: Boolean(input.isTTY && io.stdout.isTTY) });
  const lines: string[] = [];
  let waiting: ((line: string | undefined) => void) | undefined;
  let closed = false;
  rl.on("line", (line) => (waiting ? (waiting(line), (waiting = undefined)) : lines.push(line)));
  rl.on("close", () => {
    closed = true;
    waiting?.(undefined);
  });
  return {
    async ask(question) {
      io.stdout.write(question);
      const line = lines.shift() ?? (closed ? undefined : await new Promise<string | undefined>((resolve) => (waiting = resolve)));
      if (line === undefined) throw new UsageError("the input ended before every question was answered; nothing was written");
      if (!input.isTTY) io.stdout.write(`${line}\n`);
      return line.trim();
    },
    say: (text) => writeLine(io.stdout, text),
    close: () => rl.close(),
  };
}

function fromFlags(values: { host?: string[]; service?: string[]; ntfy?: string }): InitAnswers {
  const answers: InitAnswers = { hosts: (values.host ?? []).map(parseHostFlag), services: (values.service ?? []).map(parseServiceFlag) };
  if (values.ntfy !== undefined) answers.notifiers = [{ kind: "ntfy", spec: { url: values.ntfy }, secrets: [] }];
  return answers;
}

export async function init(argv: string[], io: Io, input: Input = process.stdin): Promise<number> {
  const { values } = parseFlags(argv, {
    output: { type: "string", short: "o" },
    force: { type: "boolean" },
    yes: { type: "boolean", short: "y" },
    host: { type: "string", multiple: true },
    service: { type: "string", multiple: true },
    ntfy: { type: "string" },
  }, usage);
  const file = values.output ?? "understudy.yaml";
  const refuse = () => new UsageError(`${file} already exists; nothing was written and the file is unchanged. Pass --force to replace it, or --output OTHER.yaml`);
  // Checked before the questions too, so nobody answers them all for nothing.
  if (existsSync(file) && !values.force) throw refuse();

  const flagsGiven = (values.host?.length ?? 0) > 0 || (values.service?.length ?? 0) > 0 || values.ntfy !== undefined;
  let answers: InitAnswers;
  try {
    if (flagsGiven || values.yes) {
      answers = fromFlags(values);
    } else if (input.isTTY) {
      const talk = conversation(input, io);
      try {
        answers = await interview(talk);
      } finally {
        talk.close();
      }
    } else {
      throw new UsageError("not a terminal: give the answers as flags (--host NAME=ADDRESS, --service NAME@HOST), or run init in a terminal", usage);
    }
    checkAnswers(answers);
  } catch (error) {
    if (error instanceof AnswerError) throw new UsageError(error.message, usage);
    throw error;
  }

  const text = renderInitConfig(answers, file);
  // A config init cannot load is a bug in init: say so before touching the user's file.
  const check = parseConfig(text, file);
  if (!check.ok) throw new Error(`init produced an invalid config: ${check.diagnostics.map(formatDiagnostic).join("; ")}`);
  if (values.force) {
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, text, { mode: 0o644 });
    renameSync(temporary, file);
  } else {
    try {
      writeFileSync(file, text, { flag: "wx", mode: 0o644 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") throw refuse();
      throw error;
    }
  }

  const loaded = loadConfig(file);
  if (!loaded.ok) throw new Error(`init wrote ${file} but it does not load: ${loaded.diagnostics.map(formatDiagnostic).join("; ")}`);
  const c = colors(io);
  for (const warning of loaded.warnings) writeLine(io.stderr, c.yellow(formatDiagnostic(warning)));
  const topology = buildTopology(loaded.config);
  const { spofs, score } = analyze(topology);
  writeLine(io.stdout, `${c.green("✓")} wrote ${file}: ${topology.hosts.size} hosts, ${topology.services.size} services; it loads.`);
  if (spofs.length === 0) writeLine(io.stdout, "No single point of failure among the critical and high services.");
  else {
    writeLine(io.stdout, c.bold(`Single points of failure (${spofs.length}):`));
    for (const spof of spofs) writeLine(io.stdout, `  ${spof.component}${spof.kind === "host" ? "" : ` (${spof.kind})`}: ${spof.reason}`);
  }
  writeLine(io.stdout, `${topology.services.size === 0 ? "Nothing to score yet: no services." : `Resilience score ${score.value}/100.`} Next: understudy analyze --config ${file}`);
  return 0;
}
