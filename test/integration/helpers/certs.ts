// Test certificates made with the openssl CLI: a private CA and server certificates it signs for
// 127.0.0.1/localhost (valid, expiring in 3 days, expired, for another host), plus a self-signed one.
// `openssl ca` is used because it can back-date a certificate (`-startdate/-enddate`), which
// `openssl req -x509 -days` cannot.
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { makeTempDir } from "./temp-dir.js";

const run = promisify(execFile);

export interface CertPair {
  keyFile: string;
  certFile: string;
  key: Buffer;
  cert: Buffer;
}

export interface Certs {
  dir: string;
  /** The CA's certificate (PEM file), to trust with `ca_file`. */
  caFile: string;
  /** Signed by the CA for localhost and 127.0.0.1, valid for a year. */
  valid: CertPair;
  /** Signed by the CA for localhost and 127.0.0.1, expiring in 3 days. */
  expiringSoon: CertPair;
  /** Signed by the CA for localhost and 127.0.0.1, expired in 2020. */
  expired: CertPair;
  /** Signed by the CA for other.example only. */
  wrongHost: CertPair;
  /** Self-signed for localhost and 127.0.0.1 (no CA trusts it). */
  selfSigned: CertPair;
  stop(): Promise<void>;
}

const LOCAL_SAN = "subjectAltName=DNS:localhost,IP:127.0.0.1";

function caConfig(dir: string): string {
  return [
    "[ ca ]",
    "default_ca = test_ca",
    "[ test_ca ]",
    `database = ${dir}/index.txt`,
    `new_certs_dir = ${dir}`,
    `serial = ${dir}/serial`,
    "default_md = sha256",
    "policy = policy_any",
    "copy_extensions = copy",
    "unique_subject = no",
    "[ policy_any ]",
    "commonName = supplied",
    "",
  ].join("\n");
}

export async function makeCerts(): Promise<Certs> {
  const temp = await makeTempDir("understudy-certs-");
  const dir = temp.path;
  const file = (name: string) => join(dir, name);
  try {
    await writeFile(file("ca.cnf"), caConfig(dir));
    await writeFile(file("index.txt"), "");
    await writeFile(file("serial"), "1000\n");
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
    await run("openssl", ["req", "-x509", ...ec, "-keyout", file("ca.key"), "-out", file("ca.pem"), "-days", "30", "-subj", "/CN=Understudy Test CA"]);

    const pair = async (name: string): Promise<CertPair> => {
      const keyFile = file(`${name}.key`);
      const certFile = file(`${name}.pem`);
      return { keyFile, certFile, key: await readFile(keyFile), cert: await readFile(certFile) };
    };
    const signed = async (name: string, cn: string, san: string, dates: string[]): Promise<CertPair> => {
      await run("openssl", ["req", "-new", ...ec, "-keyout", file(`${name}.key`), "-out", file(`${name}.csr`), "-subj", `/CN=${cn}`, "-addext", san]);
      const ca = ["ca", "-batch", "-notext", "-config", file("ca.cnf"), "-cert", file("ca.pem"), "-keyfile", file("ca.key")];
      await run("openssl", [...ca, "-in", file(`${name}.csr`), "-out", file(`${name}.pem`), ...dates]);
      return pair(name);
    };

    const valid = await signed("valid", "localhost", LOCAL_SAN, ["-days", "365"]);
    const expiringSoon = await signed("expiring", "localhost", LOCAL_SAN, ["-days", "3"]);
    const expired = await signed("expired", "localhost", LOCAL_SAN, ["-startdate", "20200101000000Z", "-enddate", "20200201000000Z"]);
    const wrongHost = await signed("wrong-host", "other.example", "subjectAltName=DNS:other.example", ["-days", "365"]);
    await run("openssl", ["req", "-x509", ...ec, "-keyout", file("self.key"), "-out", file("self.pem"), "-days", "365", "-subj", "/CN=localhost", "-addext", LOCAL_SAN]);
    const selfSigned = await pair("self");
    return { dir, caFile: file("ca.pem"), valid, expiringSoon, expired, wrongHost, selfSigned, stop: temp.stop };
  } catch (error) {
    await temp.stop();
    throw error;
  }
}
