/**
 * The emulator's certificate authority and the server certificate every TLS endpoint
 * presents (engines and emulator-owned listeners alike).
 *
 * Issued with the `openssl` command rather than a library: Node's crypto verifies X.509
 * but cannot issue it, the TLS builds of redis-server and memcached come with OpenSSL,
 * and it keeps the emulator free of runtime dependencies.
 *
 * The CA is kept in `dir` and reused when present (a data dir keeps it across restarts,
 * so clients that trust it keep working). The server certificate is issued again at each
 * start, so that its names always match the hosts the emulator advertises.
 */
import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import { isIP } from "node:net";
import path from "node:path";

export interface TlsMaterial {
  /** PEM file of the CA clients trust (served at /_emulator/ca.pem). */
  caFile: string;
  caPem: string;
  /** The server certificate and its key, signed by the CA. */
  certFile: string;
  keyFile: string;
  certPem: string;
  keyPem: string;
}

const CA_SUBJECT = "/O=elasticache-local/CN=elasticache-local CA";
const SERVER_SUBJECT = "/O=elasticache-local/CN=elasticache-local";
const CA_DAYS = 3650;
/** What clients such as Apple's accept at most for a server certificate. */
const SERVER_DAYS = 397;

function openssl(args: string[], binary: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { timeout: 30_000 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`openssl ${args[0]} failed: ${String(stderr).trim() || error.message}`));
      else resolve();
    });
  });
}

const exists = (file: string) => fs.access(file).then(() => true, () => false);

/** subjectAltName entries for the hosts clients reach the endpoints by. */
export function subjectAltNames(hosts: string[]): string {
  const names = new Set(["127.0.0.1", "localhost", ...hosts.filter((h) => h && h !== "0.0.0.0" && h !== "::")]);
  return [...names].map((h) => (isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(",");
}

/**
 * Creates the CA in `dir` unless it is there, then issues a server certificate for `hosts`
 * (127.0.0.1 and localhost always included).
 */
export async function ensureTlsMaterial(dir: string, hosts: string[], opts: { opensslPath?: string } = {}): Promise<TlsMaterial> {
  const binary = opts.opensslPath ?? "openssl";
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const caFile = path.join(dir, "ca.pem");
  const caKey = path.join(dir, "ca-key.pem");
  const certFile = path.join(dir, "server.pem");
  const keyFile = path.join(dir, "server-key.pem");
  const csrFile = path.join(dir, "server.csr");
  const extFile = path.join(dir, "server.ext");

  if (!(await exists(caFile)) || !(await exists(caKey))) {
    await openssl([
      "req", "-x509", "-new", "-nodes",
      "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
      "-keyout", caKey, "-out", caFile, "-days", String(CA_DAYS), "-subj", CA_SUBJECT,
      "-addext", "basicConstraints=critical,CA:TRUE",
      "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    ], binary);
    await fs.chmod(caKey, 0o600);
  }

  await fs.writeFile(
    extFile,
    [
      "basicConstraints=CA:FALSE",
      "keyUsage=critical,digitalSignature,keyEncipherment",
      "extendedKeyUsage=serverAuth,clientAuth",
      `subjectAltName=${subjectAltNames(hosts)}`,
      "",
    ].join("\n"),
  );
  await openssl([
    "req", "-new", "-nodes",
    "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
    "-keyout", keyFile, "-out", csrFile, "-subj", SERVER_SUBJECT,
  ], binary);
  await openssl([
    "x509", "-req", "-in", csrFile, "-CA", caFile, "-CAkey", caKey, "-CAcreateserial",
    "-days", String(SERVER_DAYS), "-extfile", extFile, "-out", certFile,
  ], binary);
  await fs.chmod(keyFile, 0o600);
  await Promise.all([fs.rm(csrFile, { force: true }), fs.rm(extFile, { force: true })]);

  const [caPem, certPem, keyPem] = await Promise.all([caFile, certFile, keyFile].map((f) => fs.readFile(f, "utf8")));
  return { caFile, caPem: caPem!, certFile, keyFile, certPem: certPem!, keyPem: keyPem! };
}
