import { X509Certificate } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { describe, expect, it } from "vitest";
import { CertificateError } from "../../src/certs/errors.js";
import { commonNameOf, parseCertificatePem } from "../../src/certs/inspect.js";
import { openssl, tempDir } from "./helpers.js";

/**
 * A certificate made by openssl with `subject` and `san` (a subjectAltName line of openssl's config);
 * `sections` are extra config sections (for `@alt` and dirName). Returns its PEM.
 */
function opensslCert(subject: string, san: string, sections = "", days = 30): string {
  const dir = tempDir("owts-inspect-");
  const conf = join(dir, "req.cnf");
  writeFileSync(conf, `[req]\ndistinguished_name=dn\n[dn]\n[v3]\nsubjectAltName=${san}\n${sections}`);
  openssl([
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    join(dir, "k.pem"),
    "-out",
    join(dir, "c.pem"),
    "-days",
    String(days),
    "-utf8",
    "-subj",
    subject,
    "-extensions",
    "v3",
    "-config",
    conf,
  ]);
  return readFileSync(join(dir, "c.pem"), "utf8");
}

/** What an independent ASN.1 reader (@peculiar/x509, the library the device issues with) finds. */
function oracle(pem: string) {
  const cert = new x509.X509Certificate(pem);
  const ext = cert.getExtension(x509.SubjectAlternativeNameExtension);
  return {
    sans: (ext?.names.items ?? [])
      .filter((n) => n.type === "dns" || n.type === "ip")
      .map((n) => ({ type: n.type, value: n.value })),
    commonName: cert.subjectName.getField("CN")[0] ?? null,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
  };
}

async function expectSameAsOracle(pem: string) {
  const info = await parseCertificatePem(pem, "c.pem");
  const want = oracle(pem);
  expect({
    sans: info.sans,
    commonName: info.commonName,
    notBefore: info.notBefore,
    notAfter: info.notAfter,
  }).toEqual(want);
  return info;
}

describe("a certificate is read with Node's X509Certificate alone (no ASN.1 library at start)", () => {
  it("a device-style certificate: names in order, IPv6 compressed, CN, dates, self-signed", async () => {
    const pem = opensslCert(
      "/CN=OWTS-winch-3A4F1C.local",
      "IP:192.168.4.1,DNS:*.local,DNS:OWTS-winch-3A4F1C.local,DNS:owts-winch-3a4f1c.local,IP:::1,IP:FE80:0:0:0:0:12:0:1,IP:fd00::abcd",
    );
    const info = await expectSameAsOracle(pem);
    expect(info.sans).toEqual([
      { type: "ip", value: "192.168.4.1" },
      { type: "dns", value: "*.local" },
      { type: "dns", value: "OWTS-winch-3A4F1C.local" },
      { type: "dns", value: "owts-winch-3a4f1c.local" },
      { type: "ip", value: "::1" },
      { type: "ip", value: "fe80::12:0:1" },
      { type: "ip", value: "fd00::abcd" },
    ]);
    expect(info.commonName).toBe("OWTS-winch-3A4F1C.local");
    expect(info.selfSigned).toBe(true);
    expect(info.fingerprintSha256).toBe(new X509Certificate(pem).fingerprint256);
  });

  it("other name kinds are left out, also ones whose text holds commas and quotes", async () => {
    const pem = opensslCert(
      "/CN=unit.local",
      "@alt",
      [
        "[alt]",
        "DNS.1=a.local",
        "email.1=x@y.z",
        'URI.1=http://h/?a=1, DNS:b="q"',
        "dirName.1=dir_sect",
        "DNS.2=b, DNS:c.local",
        'otherName.1=1.2.3.4;UTF8:o, "q"',
        "DNS.3=d.local",
        "[dir_sect]",
        "CN=x, y",
        "O=z",
        "",
      ].join("\n"),
    );
    const info = await expectSameAsOracle(pem);
    // A DNS entry with ", DNS:" inside (Node writes it as a JSON literal) stays one entry.
    expect(info.sans).toEqual([
      { type: "dns", value: "a.local" },
      { type: "dns", value: "b, DNS:c.local" },
      { type: "dns", value: "d.local" },
    ]);
  });

  it("a CN with escaped characters, UTF-8 and other attributes around it", async () => {
    const pem = opensslCert("/O=Club, e.V./CN=Gäste\\, Platz #2+OU=x/C=DE", "DNS:a.local");
    const info = await expectSameAsOracle(pem);
    expect(info.commonName).toBe("Gäste, Platz #2");
    expect(commonNameOf("O=a\nCN=\\23x\\0Ay \\+ z")).toBe("#x\ny + z");
    expect(commonNameOf("O=a")).toBeNull();
  });

  it("no SAN extension and no CN: empty names, null CN", async () => {
    const dir = tempDir("owts-inspect-");
    openssl([
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      join(dir, "k.pem"),
      "-out",
      join(dir, "c.pem"),
      "-subj",
      "/O=nobody",
    ]);
    const pem = readFileSync(join(dir, "c.pem"), "utf8");
    const info = await expectSameAsOracle(pem);
    expect(info.sans).toEqual([]);
    expect(info.commonName).toBeNull();
  });

  it("dates past 2049 (GeneralizedTime) read the same", async () => {
    const info = await expectSameAsOracle(opensslCert("/CN=late.local", "DNS:late.local", "", 36500));
    expect(info.notAfter.getUTCFullYear()).toBeGreaterThan(2100);
  });

  it("bad input: not a certificate, a truncated one: a CertificateError naming the file", async () => {
    const pem = opensslCert("/CN=a.local", "DNS:a.local");
    for (const bad of ["hello", pem.slice(0, pem.length / 2), pem.replace(/[A-Za-z]{8}\n/, "!!!!!!!!\n")]) {
      const err = await parseCertificatePem(bad, "/data/owts.crt").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CertificateError);
      expect((err as CertificateError).code).toBe("damaged-cert");
      expect((err as Error).message).toMatch(/\/data\/owts\.crt cannot be read/);
    }
  });
});
