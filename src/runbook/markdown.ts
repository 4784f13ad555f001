// Renders a runbook page as Markdown (GitHub-flavoured: tables, fenced code). Links between pages
// point at the .md files, relative to this page.
import type { Block, Runbook, Step } from "./document.js";
import { tokenize } from "./inline.js";
import { href } from "./links.js";

function inline(text: string, page: string): string {
  return tokenize(text).map((part) => {
    switch (part.kind) {
      case "plain": return part.text;
      case "code": return `\`${part.text}\``;
      case "strong": return `**${part.text}**`;
      case "link": return `[${part.text}](${href(page, part.page, "md")})`;
    }
  }).join("");
}

const cell = (text: string, page: string) => inline(text, page).replaceAll("|", "\\|").replaceAll("\n", " ");

function step(item: Step, index: number, page: string): string {
  const lines = [`${index + 1}. ${inline(item.do, page)}`];
  if (item.command !== undefined) lines.push("", "   ```sh", ...item.command.split("\n").map((line) => `   ${line}`), "   ```");
  if (item.check !== undefined) lines.push("", `   Check: ${inline(item.check, page)}`);
  return lines.join("\n");
}

function block(item: Block, page: string): string {
  switch (item.kind) {
    case "text": return inline(item.text, page);
    case "list": return item.items.map((entry) => `- ${inline(entry, page)}`).join("\n");
    case "steps": return item.steps.map((entry, index) => step(entry, index, page)).join("\n\n");
    case "warning": return `> **Warning:** ${inline(item.text, page)}`;
    case "table": return [
      `| ${item.headers.map((header) => cell(header, page)).join(" | ")} |`,
      `| ${item.headers.map(() => "---").join(" | ")} |`,
      ...item.rows.map((row) => `| ${row.map((value) => cell(value, page)).join(" | ")} |`),
    ].join("\n");
  }
}

export function renderMarkdown(runbook: Runbook): string {
  const parts = [`# ${runbook.title}`, inline(runbook.summary, runbook.slug)];
  for (const section of runbook.sections) {
    parts.push(`## ${section.heading}`, ...section.blocks.map((item) => block(item, runbook.slug)));
  }
  return `${parts.join("\n\n")}\n`;
}
