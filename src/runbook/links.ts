// Page names and links between runbook pages. A page is "index", "hosts/NAME" or "services/NAME"
// (a host and a service may share a name); links are written [text](page) in inline text and each
// renderer resolves them relative to the page they appear on, with its own file extension.
import { posix } from "node:path";

export const hostPage = (name: string): string => `hosts/${name}`;
export const servicePage = (name: string): string => `services/${name}`;
export const INDEX_PAGE = "index";

export const link = (label: string, page: string): string => `[${label}](${page})`;

/** The href from page `from` to page `to`, with the renderer's extension. */
export function href(from: string, to: string, extension: string): string {
  return `${posix.relative(posix.dirname(from), to)}.${extension}`;
}
