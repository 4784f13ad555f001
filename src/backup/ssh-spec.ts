// How the SFTP target and replication reach a host over SSH: address, user, a private key as a
// secret reference and the host key pinned as "SHA256:…" (an unpinned key could be anyone's).
import { z } from "zod";
import { secretRef } from "../config/secret.js";

export const FINGERPRINT = /^SHA256:([A-Za-z0-9+/]{43})=?$/;

export const sshEndpointShape = {
  host: z.string().min(1).describe("Address or DNS name of the SSH server."),
  port: z.number().int().min(1).max(65535).default(22),
  user: z.string().min(1).default("root"),
  private_key: secretRef.describe('The private key as a secret reference: "file:/run/secrets/understudy-ssh" or "env:NAME".'),
  host_key: z
    .string()
    .regex(FINGERPRINT, { message: 'expected a host key fingerprint "SHA256:…" as printed by `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`' })
    .transform((text) => text.replace(/=$/, ""))
    .describe('The pinned host key fingerprint, "SHA256:…" as `ssh-keygen -lf` prints it.'),
};

export const sshEndpointSchema = z.strictObject(sshEndpointShape);
export type SshEndpoint = z.output<typeof sshEndpointSchema>;
