// Runbook pages as files: each page's path in an output folder, and the comparison `--check` makes
// between what the config generates now and what is committed (stale, missing, extra). Pure: the CLI
// reads and writes the folder.
import type { Runbook } from "./document.js";
import { renderHtml } from "./html.js";
import { renderMarkdown } from "./markdown.js";

export const RUNBOOK_FORMATS = ["markdown", "html"] as const;
export type RunbookFormat = (typeof RUNBOOK_FORMATS)[number];

export const EXTENSION: Record<RunbookFormat, string> = { markdown: "md", html: "html" };

export function render(runbook: Runbook, format: RunbookFormat): string {
  return format === "html" ? renderHtml(runbook) : renderMarkdown(runbook);
}

/** Relative path (with "/") → content, in page order. */
export function runbookFiles(runbooks: readonly Runbook[], format: RunbookFormat): Map<string, string> {
  return new Map(runbooks.map((runbook) => [`${runbook.slug}.${EXTENSION[format]}`, render(runbook, format)]));
}

/** Whether a relative path is one `understudy runbook` writes in this format (index, hosts/*, services/*). */
export function isRunbookPath(path: string, format: RunbookFormat): boolean {
  const extension = `.${EXTENSION[format]}`;
  return path === `index${extension}` || (/^(hosts|services)\/[^/]+$/.test(path) && path.endsWith(extension));
}

export interface Drift {
  stale: string[];
  missing: string[];
  extra: string[];
}

export function compareFiles(expected: ReadonlyMap<string, string>, actual: ReadonlyMap<string, string>): Drift {
  const stale: string[] = [];
  const missing: string[] = [];
  for (const [path, content] of expected) {
    const found = actual.get(path);
    if (found === undefined) missing.push(path);
    else if (found !== content) stale.push(path);
  }
  const extra = [...actual.keys()].filter((path) => !expected.has(path));
  const sorted = (list: string[]) => list.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { stale: sorted(stale), missing: sorted(missing), extra: sorted(extra) };
}

export const inStep = (drift: Drift): boolean => drift.stale.length + drift.missing.length + drift.extra.length === 0;
