// Renders a runbook page as one self-contained HTML file: inline styles, no scripts, no external
// assets (it must open from a laptop with the network down). Every piece of text is escaped.
import type { Block, Runbook, Step } from "./document.js";
import { tokenize } from "./inline.js";
import { href } from "./links.js";

export function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;").replaceAll("'", "&#39;");
}

function inline(text: string, page: string): string {
  return tokenize(text).map((part) => {
    switch (part.kind) {
      case "plain": return escapeHtml(part.text);
      case "code": return `<code>${escapeHtml(part.text)}</code>`;
      case "strong": return `<strong>${escapeHtml(part.text)}</strong>`;
      case "link": return `<a href="${escapeHtml(href(page, part.page, "html"))}">${escapeHtml(part.text)}</a>`;
    }
  }).join("");
}

function step(item: Step, page: string): string {
  const command = item.command === undefined ? "" : `<pre><code>${escapeHtml(item.command)}</code></pre>`;
  const check = item.check === undefined ? "" : `<p class="check">Check: ${inline(item.check, page)}</p>`;
  return `<li><p>${inline(item.do, page)}</p>${command}${check}</li>`;
}

function block(item: Block, page: string): string {
  switch (item.kind) {
    case "text": return `<p>${inline(item.text, page)}</p>`;
    case "list": return `<ul>${item.items.map((entry) => `<li>${inline(entry, page)}</li>`).join("")}</ul>`;
    case "steps": return `<ol class="steps">\n${item.steps.map((entry) => step(entry, page)).join("\n")}\n</ol>`;
    case "warning": return `<p class="warning" role="note"><strong>Warning:</strong> ${inline(item.text, page)}</p>`;
    case "table": return [
      "<table>",
      `<thead><tr>${item.headers.map((header) => `<th>${inline(header, page)}</th>`).join("")}</tr></thead>`,
      `<tbody>${item.rows.map((row) => `<tr>${row.map((value) => `<td>${inline(value, page)}</td>`).join("")}</tr>`).join("\n")}</tbody>`,
      "</table>",
    ].join("\n");
  }
}

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111;background:#fff}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ccc}
pre{background:#f4f4f4;padding:.6rem .8rem;overflow-x:auto;border-radius:4px}code{font:.95em ui-monospace,monospace}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
.steps>li{margin-bottom:1rem}.check{color:#264;margin:.3rem 0}.warning{background:#fff4d6;border-left:4px solid #d89b00;padding:.5rem .8rem}
@media (prefers-color-scheme:dark){body{background:#111;color:#eee}pre{background:#222}.warning{background:#3a3000}.check{color:#9d9}th,td{border-color:#444}}`;

export function renderHtml(runbook: Runbook): string {
  const body = runbook.sections.map((section) => [`<h2>${escapeHtml(section.heading)}</h2>`, ...section.blocks.map((item) => block(item, runbook.slug))].join("\n"));
  return [
    "<!doctype html>",
    '<html lang="en">',
    `<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(runbook.title)}</title><style>${STYLE}</style></head>`,
    "<body>",
    `<h1>${escapeHtml(runbook.title)}</h1>`,
    `<p>${inline(runbook.summary, runbook.slug)}</p>`,
    ...body,
    "</body>",
    "</html>",
    "",
  ].join("\n");
}
