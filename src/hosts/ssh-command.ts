// The ssh command rsync runs (its `-e`) to reach a host exactly as ssh2 did: the known_hosts line of
// the key that matched the pinned fingerprint, StrictHostKeyChecking on, no other known_hosts, no
// user ssh config, only our identity, batch mode (never a prompt) and the same connect timeout.
import { shellQuote } from "../probes/ssh.js";

/** The key type named inside an SSH public key blob ("ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256"). */
export function keyTypeOf(blob: Buffer): string {
  const length = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + length).toString("ascii");
}

/** A known_hosts line for address:port (OpenSSH writes "[address]:port" unless the port is 22). */
export function knownHostsLine(address: string, port: number, blob: Buffer): string {
  const name = port === 22 ? address : `[${address}]:${port}`;
  return `${name} ${keyTypeOf(blob)} ${blob.toString("base64")}`;
}

/** The signature algorithms that verify a key of this type (an RSA key signs with rsa-sha2-*). */
function hostKeyAlgorithms(type: string): string {
  return type === "ssh-rsa" ? "rsa-sha2-512,rsa-sha2-256,ssh-rsa" : type;
}

export function sshCommandFor(options: { keyFile: string; knownHosts: string; keyBlob: Buffer; port: number; connectTimeoutMs: number }): string {
  const argv = [
    "ssh", "-F", "/dev/null", "-i", options.keyFile, "-p", String(options.port),
    "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
    "-o", `UserKnownHostsFile=${options.knownHosts}`, "-o", "GlobalKnownHostsFile=/dev/null",
    "-o", `HostKeyAlgorithms=${hostKeyAlgorithms(keyTypeOf(options.keyBlob))}`,
    "-o", `ConnectTimeout=${Math.max(1, Math.ceil(options.connectTimeoutMs / 1000))}`,
    "-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=2",
  ];
  return argv.map(shellQuote).join(" ");
}
