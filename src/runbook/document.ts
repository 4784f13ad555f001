// The runbook as a document: headings, paragraphs, lists, numbered steps with a command and what to
// check after, warnings and tables. Builders (./service.ts, ./host.ts, ./index-page.ts) produce it from
// the config; renderers (./markdown.ts, ./html.ts) turn it into text. Inline text may hold `code`
// spans in backticks; each renderer turns them into its own markup (HTML escapes first).

export interface Step {
  /** What to do, imperative ("Fence the old primary"). */
  readonly do: string;
  /** The exact command, run as shown (shell syntax); absent when the step is a thing to do by hand. */
  readonly command?: string;
  /** What to look at afterwards, before going on. */
  readonly check?: string;
}

export type Block =
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "list"; readonly items: readonly string[] }
  | { readonly kind: "steps"; readonly steps: readonly Step[] }
  | { readonly kind: "warning"; readonly text: string }
  | { readonly kind: "table"; readonly headers: readonly string[]; readonly rows: ReadonlyArray<readonly string[]> };

export interface Section {
  readonly heading: string;
  readonly blocks: readonly Block[];
}

export interface Runbook {
  /** The file name without extension: the host or service name, or "index". */
  readonly slug: string;
  readonly title: string;
  /** One line under the title: what this page is for, in a few words. */
  readonly summary: string;
  readonly sections: readonly Section[];
}

export const text = (value: string): Block => ({ kind: "text", text: value });
export const list = (items: readonly string[]): Block => ({ kind: "list", items });
export const steps = (items: readonly Step[]): Block => ({ kind: "steps", steps: items });
export const warning = (value: string): Block => ({ kind: "warning", text: value });
