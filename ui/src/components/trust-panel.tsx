import { useEffect, useState } from "preact/hooks";
import type { About } from "../api/types.js";

/** The club CA downloads (404 when the unit is self-signed). */
export const CA_URL = "/api/about/ca";
export const CA_PROFILE_URL = "/api/about/ca.mobileconfig";

/** A QR code as an SVG data URL, made here in the browser: the device sends no image. */
function useQr(text: string): string | null {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    // Loaded on first use: the QR encoder is only needed on this page.
    import("uqr").then(({ renderSVG }) => {
      if (!live) return;
      const svg = renderSVG(text, { ecc: "M", border: 2, pixelSize: 6 });
      setSrc(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`);
    });
    return () => {
      live = false;
    };
  }, [text]);
  return src;
}

function Qr({ text, label, testid }: { text: string; label: string; testid: string }) {
  const src = useQr(text);
  return (
    <figure class="qr" data-testid={testid}>
      {src ? <img src={src} alt={`QR code: ${label}`} width={180} height={180} /> : <div class="qr-wait" />}
      <figcaption>{label}</figcaption>
    </figure>
  );
}

/** Step lists per platform; where a club CA is in use, that is what gets trusted, else the unit's own certificate. */
function steps(withCa: boolean): { platform: string; steps: string[] }[] {
  const what = withCa ? "the club CA" : "this unit's certificate";
  const file = withCa ? "the CA certificate (owts-club-ca.crt)" : "the certificate";
  return [
    {
      platform: "iPhone and iPad (iOS, iPadOS)",
      steps: [
        withCa
          ? "In Safari, tap “Download the iOS/macOS profile” and allow the download."
          : "In Safari, tap “Download the certificate” and allow the download.",
        "Open Settings → General → VPN & Device Management (or the “Profile Downloaded” line at the top of Settings) and install it.",
        `Then Settings → General → About → Certificate Trust Settings: switch on full trust for ${what}. Without this switch iOS still warns.`,
      ],
    },
    {
      platform: "Android",
      steps: [
        `Download ${file}.`,
        "Settings → Security and privacy → More security settings → Encryption & credentials → Install a certificate → CA certificate (names vary by maker).",
        "Confirm the warning and pick the downloaded file. Chrome trusts it from then on; some apps do not use user CAs.",
      ],
    },
    {
      platform: "macOS",
      steps: [
        withCa ? "Download the iOS/macOS profile, or the CA certificate." : "Download the certificate.",
        "Open it: a profile goes to System Settings → Privacy & Security → Profiles; a certificate opens Keychain Access (add it to the System or login keychain).",
        `In Keychain Access, open ${what}, expand Trust and set “When using this certificate” to Always Trust.`,
      ],
    },
    {
      platform: "Windows",
      steps: [
        `Download ${file} and open it.`,
        "Install Certificate → Current User → Place all certificates in the following store → Trusted Root Certification Authorities.",
        "Confirm the security warning. Edge and Chrome trust it after a restart of the browser.",
      ],
    },
    {
      platform: "Firefox (any system)",
      steps: [
        `Download ${file}.`,
        "Settings → Privacy & Security → Certificates → View Certificates → Authorities → Import.",
        "Tick “Trust this CA to identify websites”. (Or set security.enterprise_roots.enabled to use the system's store.)",
      ],
    },
  ];
}

/** Fingerprint in rows of eight bytes, as browsers show it, so it can be compared by eye. */
function rows(fp: string): string {
  const list = fp.split(":");
  const out: string[] = [];
  for (let i = 0; i < list.length; i += 8) out.push(list.slice(i, i + 8).join(":"));
  return out.join("\n");
}

/**
 * How to trust this unit without a warning: the club CA (when the unit has one) with its downloads
 * and fingerprint, the steps per platform, and QR codes of the device's address and of the
 * fingerprint a user compares.
 */
export function TrustPanel({ about }: { about: About }) {
  const ca = about.ca;
  const url = `${location.origin}/`;
  return (
    <section class="card trust" data-testid="trust-panel">
      <h2>Trust this unit</h2>
      {ca ? (
        <>
          <p>
            This unit's certificate is issued by the club CA <strong>{ca.name}</strong>. Trust the CA once on
            a phone or laptop and every unit of the club opens without a warning. The CA can only vouch for
            .local names and private addresses.
          </p>
          <code class="fingerprint" data-testid="ca-fingerprint">
            {rows(ca.sha256)}
          </code>
          <p>
            <a class="button" href={CA_PROFILE_URL} data-testid="ca-profile-download">
              Download the iOS/macOS profile
            </a>{" "}
            <a class="button" href={CA_URL} download="owts-club-ca.crt" data-testid="ca-download">
              Download the CA certificate
            </a>
          </p>
        </>
      ) : (
        <p>
          This unit's certificate is self-signed, so browsers warn until you trust it. Trusting it (steps
          below) works for this unit only; a club with several units can make one CA for all of them (
          <code>owts ca init</code>, then <code>owts start --ca</code>).
        </p>
      )}
      <details class="trust-steps">
        <summary>Step by step, per platform</summary>
        {steps(Boolean(ca)).map((p) => (
          <div key={p.platform}>
            <h3>{p.platform}</h3>
            <ol>
              {p.steps.map((s) => (
                <li key={s}>{s}</li>
              ))}
            </ol>
          </div>
        ))}
      </details>
      <div class="qr-row">
        <Qr text={url} label={url} testid="qr-url" />
        <Qr
          text={`SHA256:${(ca ?? about.certificate).sha256}`}
          label={ca ? "CA fingerprint" : "certificate fingerprint"}
          testid="qr-fingerprint"
        />
      </div>
    </section>
  );
}
