// Text shaping shared by the notifier kinds: provider limits (truncate), escaping for the markup
// each provider parses (HTML for Telegram and Matrix, Slack's mrkdwn), and the scalar fields of a
// notification that are worth showing as key/value pairs.

/** Cuts text to `max` characters (code points), marking the cut with an ellipsis. */
export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("")}…`;
}

/** Escapes the characters HTML gives meaning to; enough for Telegram's and Matrix's HTML subsets. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Slack asks for exactly these three to be escaped in mrkdwn text. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** The fields with a string, number or boolean value, as display strings, at most `limit`. */
export function scalarFields(fields: Record<string, unknown>, limit: number): [string, string][] {
  const out: [string, string][] = [];
  for (const [key, value] of Object.entries(fields)) {
    if (out.length >= limit) break;
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") out.push([key, String(value)]);
  }
  return out;
}
