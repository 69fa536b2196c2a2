import { useEffect, useState } from "preact/hooks";
import { t } from "../i18n/translate.js";

type Encode = typeof import("uqr").encode;
/** `uqr` is loaded with the first code shown: the pages that never show one do not carry it. */
let encoder: Promise<Encode> | null = null;

/**
 * A QR code drawn as one SVG path from `uqr`'s module matrix (no markup strings: nothing of the text
 * reaches the DOM but the path). Medium error correction survives a scratched or glaring phone screen.
 */
export function QrCode({ text, label }: { text: string; label: string }) {
  const [qr, setQr] = useState<{ size: number; d: string } | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let live = true;
    encoder ??= import("uqr").then((m) => m.encode);
    encoder
      .then((encode) => {
        const r = encode(text, { ecc: "M", border: 2 });
        let d = "";
        r.data.forEach((row, y) => {
          row.forEach((dark, x) => {
            if (dark) d += `M${x} ${y}h1v1h-1z`;
          });
        });
        if (live) setQr({ size: r.size, d });
      })
      .catch(() => {
        encoder = null;
        if (live) setFailed(true);
      });
    return () => {
      live = false;
    };
  }, [text]);
  if (failed) return <p class="muted">{t("pairing.qr_failed")}</p>;
  if (!qr) return <p class="muted">{t("pairing.qr_drawing")}</p>;
  return (
    <svg
      class="qr-code"
      viewBox={`0 0 ${qr.size} ${qr.size}`}
      role="img"
      aria-label={label}
      shape-rendering="crispEdges"
      data-testid="pairing-qr"
    >
      <rect width={qr.size} height={qr.size} fill="#fff" />
      <path d={qr.d} fill="#000" />
    </svg>
  );
}
