// "host:port" as users write it for tcp, tls and dns servers: "db.lan:5432", "10.0.0.1:53",
// "[fd00::1]:53", or a bare host when the kind has a usual port.
import { z } from "zod";

export interface HostPort {
  host: string;
  port: number;
}

const HOST = /^[A-Za-z0-9_.-]+$/;

/** Parses "host:port", "[v6]:port" or (with a default port) "host" / "v6"; undefined when malformed. */
export function parseHostPort(text: string, defaultPort?: number): HostPort | undefined {
  const bracketed = /^\[([0-9A-Fa-f:.]+)\](?::(\d+))?$/.exec(text);
  let host: string;
  let port: string | undefined;
  if (bracketed) {
    host = bracketed[1]!;
    port = bracketed[2];
  } else if ((text.match(/:/g) ?? []).length > 1) {
    // An unbracketed IPv6 address has no port.
    if (!/^[0-9A-Fa-f:.]+$/.test(text)) return undefined;
    host = text;
  } else {
    const colon = text.lastIndexOf(":");
    host = colon === -1 ? text : text.slice(0, colon);
    port = colon === -1 ? undefined : text.slice(colon + 1);
    if (!HOST.test(host) || host.startsWith("-")) return undefined;
  }
  const number = port === undefined ? defaultPort : /^\d+$/.test(port) ? Number(port) : Number.NaN;
  if (number === undefined || !Number.isInteger(number) || number < 1 || number > 65_535) return undefined;
  return { host, port: number };
}

export function formatHostPort({ host, port }: HostPort): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** A host name or address; a leading "-" is refused so it can never be taken for a command option. */
export const hostSchema = z
  .string()
  .describe("A host name or an IP address.")
  .regex(/^(?!-)[A-Za-z0-9_.:-]+$/, { message: "expected a host name or an IP address (letters, digits, '.', '-', ':')" });

export const portSchema = z.number().int().min(1).max(65_535).describe("A TCP/UDP port, 1–65535.");

/** A "host:port" string (or "host" with a default port) parsed to { host, port }. */
export function hostPortString(defaultPort?: number) {
  const example = defaultPort === undefined ? '"db.lan:5432" or "[fd00::1]:5432"' : `"host", "host:port" or "[fd00::1]:port" (port ${defaultPort} by default)`;
  return z
    .string()
    .describe(`A target as ${example}.`)
    .transform((text, ctx) => {
      const parsed = parseHostPort(text, defaultPort);
      if (parsed === undefined) {
        ctx.addIssue({ code: "custom", message: `"${text}" is not a target; expected ${example}` });
        return z.NEVER;
      }
      return parsed;
    });
}
