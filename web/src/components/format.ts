// How times, durations, sizes and ratios read on every page: one spelling for the whole dashboard.

export function dateTime(iso: string | number | null | undefined): string {
  if (iso === null || iso === undefined) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

/** 45 s, 12 min, 3 h 5 min, 2 d 4 h: two units at most, the way a person says it. */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "—";
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${Math.round(seconds * 10) / 10} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min${seconds % 60 >= 1 ? ` ${Math.floor(seconds % 60)} s` : ""}`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h${minutes % 60 > 0 ? ` ${minutes % 60} min` : ""}`;
  return `${Math.floor(hours / 24)} d${hours % 24 > 0 ? ` ${hours % 24} h` : ""}`;
}

export function since(iso: string, until?: string | null): string {
  const end = until ? new Date(until).getTime() : Date.now();
  return duration(Math.max(0, (end - new Date(iso).getTime()) / 1000));
}

export function bytes(value: number | null | undefined): string {
  if (value === null || value === undefined) return "—";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let size = value;
  let unit = 0;
  while (size >= 1024 && unit < units.length - 1) {
    size /= 1024;
    unit++;
  }
  return `${unit === 0 ? size : size.toFixed(1)} ${units[unit]}`;
}

/** Uptime ratios (0–1) as percentages with the precision that matters near 100 %. */
export function percent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined) return "—";
  const value = ratio * 100;
  return `${value >= 99 && value < 100 ? value.toFixed(2) : value.toFixed(1)} %`;
}

export function ms(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : `${Math.round(value)} ms`;
}
