/**
 * Why a certificate operation refused to go on. The message is one line a user can act on (it names
 * the file and the command that fixes it); `code` lets callers pick an exit code or a log level.
 */
export type CertificateErrorCode =
  | "bad-name" // a SAN or hostname that is not a DNS name or IP address
  | "bad-days" // a validity outside 1..36500 days
  | "missing-cert" // owts.key is there, owts.crt is not
  | "missing-key" // owts.crt is there, owts.key is not
  | "damaged-cert" // owts.crt cannot be read as a PEM certificate
  | "damaged-key" // owts.key cannot be read as an unencrypted PKCS#8/PKCS#1/SEC1 private key
  | "unsupported-key" // a key OWTS cannot sign with (not ECDSA or RSA)
  | "key-type-conflict" // asked for one key type while keeping a key of the other
  | "mismatch" // owts.crt was not issued for owts.key
  | "bad-ca" // the club CA directory (`--ca`) is missing, damaged, not a CA, or its files do not belong together
  | "ca-exists" // `owts ca init` into a directory that already holds files (without --force)
  | "io"; // the data directory cannot be read or written

export class CertificateError extends Error {
  override name = "CertificateError";
  constructor(
    readonly code: CertificateErrorCode,
    message: string,
  ) {
    super(message);
  }
}
