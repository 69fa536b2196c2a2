// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata API
// loaded before the library itself; keeping both imports here fixes the order for every user.
import "reflect-metadata";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

// The library is typed against the DOM's Crypto; Node's webcrypto is the same API under another type name.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };
