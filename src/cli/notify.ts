// `understudy notify test [NAME]`: sends a test message through one configured notifier (by its name,
// or every notifier of a kind) or through all of them, with the agent's own delivery code, and prints
// what each answered: ok, or the provider's status and reason. Exit 1 when one failed, 2 for bad input.
import { readSecret } from "../config/secret.js";
import { didYouMean } from "../config/suggest.js";
import { UnknownComponentError } from "../analysis/components.js";
import { notifiersFromConfig } from "../notify/dispatcher.js";
import type { ConfiguredNotifier } from "../notify/dispatcher.js";
import type { NotifierKind } from "../notify/notifier.js";
import { notifierKinds } from "../notify/registry.js";
import { sendTestNotifications } from "../notify/test-notification.js";
import type { TestAnswer } from "../notify/test-notification.js";
import { colors, terminalWidth, UsageError, writeLine, type Io } from "./io.js";
import { CONFIG_OPTION, configPath, loadTopology, parseFlags, parseFormat } from "./options.js";
import { textTable } from "./table.js";

export const usage = `Usage: understudy notify test [NAME] [--config FILE] [--resolve] [--retry]
                             [--format table|json]

  Sends a test notification through the notifier NAME (its name in the
  config, or <kind>#<position>; or a kind, for every notifier of that
  kind), or through every configured notifier, and prints what each one
  answered: ok, or the provider's status and reason. min_severity and
  events are ignored: every chosen notifier gets the test.

  --resolve   then send the test's resolution (closes the test alert in
              PagerDuty and Opsgenie)
  --retry     retry failures with notify_policy.retry, as the agent
              would (default: one attempt, the provider's first answer)

  Exit status 1 when a notifier failed.`;

/** The notifiers NAME stands for: the one of that name, else every one of that kind. */
export function selectNotifiers(all: readonly ConfiguredNotifier[], name: string | undefined): ConfiguredNotifier[] {
  if (all.length === 0) throw new UnknownComponentError("the config has no notifiers; add one under notify: (e.g. - ntfy: { url: https://ntfy.sh/mytopic })");
  if (name === undefined) return [...all];
  const byName = all.filter((notifier) => notifier.name === name);
  if (byName.length > 0) return byName;
  const byKind = all.filter((notifier) => notifier.kind.kind === name);
  if (byKind.length > 0) return byKind;
  const names = all.map((notifier) => notifier.name ?? notifier.kind.kind);
  const kinds = (notifierKinds as readonly NotifierKind[]).map((kind) => kind.kind);
  const hint = kinds.includes(name) ? `; no ${name} notifier is configured.` : didYouMean(name, [...names, ...new Set(all.map((notifier) => notifier.kind.kind))]) || ".";
  throw new UnknownComponentError(`no notifier named "${name}"${hint} The configured notifiers: ${names.join(", ")}`);
}

function answerText(answer: TestAnswer): string {
  if (answer.ok) return "ok";
  return `failed: ${answer.reason ?? "no answer"}${answer.attempts !== undefined && answer.attempts > 1 ? ` (after ${answer.attempts} attempts)` : ""}`;
}

export async function notify(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(argv, { ...CONFIG_OPTION, format: { type: "string", short: "f" }, resolve: { type: "boolean" }, retry: { type: "boolean" } }, usage, true);
  const format = parseFormat(values.format, usage, ["table", "json"]);
  const [sub, name, ...extra] = positionals;
  if (sub !== "test") throw new UsageError(sub === undefined ? "which subcommand? only test for now: understudy notify test [NAME]" : `unknown subcommand "${sub}"${didYouMean(sub, ["test"])}`, usage);
  if (extra.length > 0) throw new UsageError(`one notifier name at a time (got ${[name, ...extra].join(", ")}); without a name every notifier is tested`, usage);
  const { topology } = loadTopology(configPath(values.config, io.env));
  const all = notifiersFromConfig(topology.notify as unknown as readonly Record<string, unknown>[], notifierKinds as readonly NotifierKind[]);
  const chosen = selectNotifiers(all, name);
  const results = await sendTestNotifications({
    notifiers: chosen,
    secret: (ref) => readSecret(ref, io.env),
    timeoutMs: topology.notifyPolicy.timeout,
    ...(values.retry ? { retry: topology.notifyPolicy.retry } : {}),
    resolve: values.resolve === true,
  });
  const failed = results.filter((result) => !result.opened.ok || (result.resolved !== undefined && !result.resolved.ok));
  if (format === "json") writeLine(io.stdout, JSON.stringify(results, null, 2));
  else {
    const c = colors(io);
    const paint = (answer: TestAnswer) => (answer.ok ? c.green : c.red)(answerText(answer));
    const headers = ["Notifier", "Kind", "Target", "Answer", ...(values.resolve ? ["Resolution"] : [])];
    writeLine(io.stdout, textTable(headers, results.map((result) => [result.name, result.kind, result.target, paint(result.opened), ...(result.resolved ? [paint(result.resolved)] : [])]), terminalWidth(io)));
    writeLine(io.stdout, failed.length === 0 ? `\n${results.length} of ${results.length} notifier${results.length === 1 ? "" : "s"} answered ok.` : `\n${failed.length} of ${results.length} notifier${results.length === 1 ? "" : "s"} failed.`);
  }
  return failed.length === 0 ? 0 : 1;
}
