import { useEffect, useState } from "preact/hooks";
import type { About } from "../api/types.js";
import { t, tParts } from "../i18n/translate.js";

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
      {src ? (
        <img src={src} alt={t("trust.qr_alt", { label })} width={180} height={180} />
      ) : (
        <div class="qr-wait" />
      )}
      <figcaption>{label}</figcaption>
    </figure>
  );
}

/** Step lists per platform; where a club CA is in use, that is what gets trusted, else the unit's own certificate. */
function steps(withCa: boolean): { platform: string; steps: string[] }[] {
  const download = withCa ? t("trust.download_file_ca") : t("trust.download_file_cert");
  return [
    {
      platform: t("trust.ios"),
      steps: [
        withCa ? t("trust.ios_1_ca") : t("trust.ios_1_cert"),
        t("trust.ios_2"),
        withCa ? t("trust.ios_3_ca") : t("trust.ios_3_cert"),
      ],
    },
    {
      platform: t("trust.android"),
      steps: [download, t("trust.android_2"), t("trust.android_3")],
    },
    {
      platform: t("trust.macos"),
      steps: [
        withCa ? t("trust.macos_1_ca") : t("trust.macos_1_cert"),
        t("trust.macos_2"),
        withCa ? t("trust.macos_3_ca") : t("trust.macos_3_cert"),
      ],
    },
    {
      platform: t("trust.windows"),
      steps: [
        withCa ? t("trust.windows_1_ca") : t("trust.windows_1_cert"),
        t("trust.windows_2"),
        t("trust.windows_3"),
      ],
    },
    {
      platform: t("trust.firefox"),
      steps: [download, t("trust.firefox_2"), t("trust.firefox_3")],
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
      <h2>{t("trust.title")}</h2>
      {ca ? (
        <>
          <p>{tParts("trust.ca_intro", { name: <strong>{ca.name}</strong> })}</p>
          <code class="fingerprint" data-testid="ca-fingerprint">
            {rows(ca.sha256)}
          </code>
          <p>
            <a class="button" href={CA_PROFILE_URL} data-testid="ca-profile-download">
              {t("trust.download_profile")}
            </a>{" "}
            <a class="button" href={CA_URL} download="owts-club-ca.crt" data-testid="ca-download">
              {t("trust.download_ca")}
            </a>
          </p>
        </>
      ) : (
        <p>
          {tParts("trust.self_signed", {
            init: <code>owts ca init</code>,
            start: <code>owts start --ca</code>,
          })}
        </p>
      )}
      <details class="trust-steps">
        <summary>{t("trust.steps_summary")}</summary>
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
          label={ca ? t("trust.ca_fingerprint") : t("trust.cert_fingerprint")}
          testid="qr-fingerprint"
        />
      </div>
    </section>
  );
}
