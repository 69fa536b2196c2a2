/**
 * @peculiar/x509, loaded on first use. Together with asn1js, tsyringe and reflect-metadata it costs a
 * running device ~10 MiB RSS (bench/memory.ts); only issuing a certificate and reading a club CA's
 * extensions need it, so a device that reads its existing certificate with Node's X509Certificate
 * (inspect.ts) never loads it. Types come from `import type`, which costs nothing at run time.
 */
import { webcrypto } from "node:crypto";
import type * as X509 from "@peculiar/x509";

export type { X509 };

let loading: Promise<typeof X509> | undefined;

export function loadX509(): Promise<typeof X509> {
  loading ??= (async () => {
    // @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata API
    // loaded before the library itself.
    await import("reflect-metadata");
    const x509 = await import("@peculiar/x509");
    // The library is typed against the DOM's Crypto; Node's webcrypto is the same API under another type name.
    x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
    return x509;
  })();
  return loading;
}
