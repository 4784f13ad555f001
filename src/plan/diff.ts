// A unified diff of two texts (as `diff -u` prints it, three lines of context), for `plan --apply`
// to show what it writes. Line-based longest common subsequence: config files are a few hundred lines.
export function unifiedDiff(before: string, after: string, from: string, to: string, context = 3): string {
  const a = before.split("\n");
  const b = after.split("\n");
  // lcs[i][j]: the longest common subsequence of a[i..] and b[j..].
  const lcs = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  }
  type Line = { op: " " | "-" | "+"; text: string; ai: number; bi: number };
  const lines: Line[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) lines.push({ op: " ", text: a[i]!, ai: i++, bi: j++ });
    else if (i < a.length && (j === b.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) lines.push({ op: "-", text: a[i]!, ai: i++, bi: j });
    else lines.push({ op: "+", text: b[j]!, ai: i, bi: j++ });
  }
  const changed = lines.map((line, index) => (line.op === " " ? -1 : index)).filter((index) => index >= 0);
  if (changed.length === 0) return "";
  // Hunks: runs of changes whose contexts touch.
  const hunks: Array<[number, number]> = [];
  for (const index of changed) {
    const start = Math.max(0, index - context);
    const end = Math.min(lines.length, index + context + 1);
    const last = hunks.at(-1);
    if (last && start <= last[1]) last[1] = end;
    else hunks.push([start, end]);
  }
  const out = [`--- ${from}`, `+++ ${to}`];
  for (const [start, end] of hunks) {
    const body = lines.slice(start, end);
    const oldCount = body.filter((line) => line.op !== "+").length;
    const newCount = body.filter((line) => line.op !== "-").length;
    const oldStart = body[0]!.ai + (oldCount === 0 ? 0 : 1);
    const newStart = body[0]!.bi + (newCount === 0 ? 0 : 1);
    out.push(`@@ -${oldStart},${oldCount} +${newStart},${newCount} @@`, ...body.map((line) => `${line.op}${line.text}`));
  }
  return `${out.join("\n")}\n`;
}
