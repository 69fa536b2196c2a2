import { useEffect, useRef, useState } from "preact/hooks";
import { t } from "../i18n/translate.js";

/** The part of the Barcode Detection API used here (not in TypeScript's DOM types yet). */
interface Detector {
  detect(source: HTMLVideoElement): Promise<{ rawValue: string }[]>;
}
interface DetectorClass {
  new (opts: { formats: string[] }): Detector;
  getSupportedFormats(): Promise<string[]>;
}

function detectorClass(): DetectorClass | null {
  const c = (window as unknown as { BarcodeDetector?: DetectorClass }).BarcodeDetector;
  return typeof c === "function" ? c : null;
}

/**
 * Whether this browser can scan a QR code with the camera: a BarcodeDetector that reads `qr_code` and
 * getUserMedia (which needs the page's secure context). Desktop Chromium on Linux, Firefox and Safari
 * have no BarcodeDetector; the page then offers typing only.
 */
export async function qrScanSupport(): Promise<boolean> {
  const D = detectorClass();
  if (!D || typeof navigator.mediaDevices?.getUserMedia !== "function") return false;
  try {
    return (await D.getSupportedFormats()).includes("qr_code");
  } catch {
    return false;
  }
}

/** How often a video frame is looked at, and for how long before the scanner gives up. */
const SCAN_EVERY_MS = 250;
const SCAN_FOR_MS = 120_000;

/**
 * The camera's picture with a QR reader on it: hands the first code that looks like an OWTS pairing
 * code to `onCode` and stops the camera. A refused or missing camera says so, in words.
 */
export function QrScanner({ onCode, onClose }: { onCode: (code: string) => void; onClose: () => void }) {
  const video = useRef<HTMLVideoElement>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [other, setOther] = useState(false);

  useEffect(() => {
    const D = detectorClass();
    if (!D) {
      setProblem(t("scan.unsupported"));
      return;
    }
    let stream: MediaStream | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const started = Date.now();
    const stop = () => {
      stopped = true;
      clearTimeout(timer);
      for (const t of stream?.getTracks() ?? []) t.stop();
    };
    const detector = new D({ formats: ["qr_code"] });
    const look = async () => {
      if (stopped) return;
      if (Date.now() - started > SCAN_FOR_MS) {
        stop();
        setProblem(t("scan.timeout"));
        return;
      }
      try {
        const v = video.current;
        const found = v && v.readyState >= 2 ? await detector.detect(v) : [];
        const code = found.map((f) => f.rawValue.trim()).find((t) => /^owts-/i.test(t));
        if (code && !stopped) {
          stop();
          onCode(code);
          return;
        }
        if (found.length > 0) setOther(true);
      } catch {
        // A frame the detector could not read: try the next one.
      }
      timer = setTimeout(() => void look(), SCAN_EVERY_MS);
    };
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(async (s) => {
        stream = s;
        if (stopped || !video.current) return stop();
        video.current.srcObject = s;
        await video.current.play().catch(() => {});
        void look();
      })
      .catch((err: unknown) => {
        const name = err instanceof DOMException ? err.name : "";
        setProblem(name === "NotAllowedError" ? t("scan.not_allowed") : t("scan.no_camera"));
      });
    return stop;
  }, []);

  return (
    <div class="qr-scanner" data-testid="qr-scanner">
      {problem ? (
        <p class="notice notice-warn" role="alert" data-testid="scan-problem">
          {problem}
        </p>
      ) : (
        <>
          <video ref={video} muted playsInline class="qr-video" aria-label={t("scan.camera_picture")} />
          <p class="hint" role="status">
            {other ? t("scan.other_code") : t("scan.point")}
          </p>
        </>
      )}
      <button type="button" onClick={onClose}>
        {problem ? t("scan.close") : t("scan.stop")}
      </button>
    </div>
  );
}
