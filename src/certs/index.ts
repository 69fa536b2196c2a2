/**
 * The device certificate: key and certificate files, issuing and re-issuing, the live certificate a
 * running device serves, and `owts certs`. May import only `src/core` (and its own files).
 */

export {
  type ClubCa,
  DEFAULT_CA_DAYS,
  DEFAULT_CA_NAME,
  type InitCaOptions,
  initClubCa,
  isIssuedBy,
  loadClubCa,
  PERMITTED_NAMES,
} from "./ca.js";
export { CA_CERT_FILE, CA_KEY_FILE } from "./ca-files.js";
export {
  type EnsureCertificateOptions,
  ensureDeviceCertificate,
  type IssueCertificateOptions,
  type IssuedCertificate,
  issueCertificate,
  loadDeviceCertificate,
  readCertificateInfo,
  renewalDue,
  type SiblingHostnames,
} from "./device-certificate.js";
export { CertificateError, type CertificateErrorCode } from "./errors.js";
export { CERT_FILE, type CertPaths, certPaths, KEY_FILE, MAX_PEM_BYTES } from "./files.js";
export { type CertificateInfo, type DeviceCertificate, shortFingerprint } from "./inspect.js";
export { CA_ISSUED_DAYS, DEFAULT_DAYS, MAX_DAYS } from "./issue.js";
export { DEFAULT_KEY_TYPE } from "./key-type.js";
export { isKeyType, KEY_TYPES, type KeyType } from "./keys.js";
export {
  type CertificateListener,
  type LiveCertificate,
  type LiveCertificateOptions,
  openLiveCertificate,
} from "./live-certificate.js";
export { caMobileconfig } from "./mobileconfig.js";
export { deviceSans, formatSan, normalizeHostname, parseSan, type San } from "./names.js";
export { type CertificateWatcher, type WatchCertificateOptions, watchDeviceCertificate } from "./watch.js";
