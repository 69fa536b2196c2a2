import { createHash, X509Certificate } from "node:crypto";

function xml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** A UUID fixed by the CA and a label: downloading the profile again replaces it on the device instead of adding a second one. */
function stableUuid(fingerprint: string, label: string): string {
  const h = createHash("sha256").update(`${label}\n${fingerprint}`).digest("hex");
  const variant = ((Number.parseInt(h[16] ?? "0", 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`.toUpperCase();
}

/**
 * An Apple configuration profile (`.mobileconfig`, an unsigned XML property list) carrying the club
 * CA as a `com.apple.security.root` payload. iOS installs it under Settings → Profile Downloaded; the
 * user then still has to switch the CA on under Certificate Trust Settings, which no profile can do.
 */
export function caMobileconfig(ca: { certPem: string; fingerprintSha256: string; name: string }): string {
  const der = new X509Certificate(ca.certPem).raw.toString("base64");
  const lines = der.match(/.{1,64}/g) ?? [];
  const fp = ca.fingerprintSha256.replaceAll(":", "").toLowerCase();
  const name = xml(ca.name);
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>PayloadContent</key>
	<array>
		<dict>
			<key>PayloadCertificateFileName</key>
			<string>owts-club-ca.crt</string>
			<key>PayloadContent</key>
			<data>
			${lines.join("\n\t\t\t")}
			</data>
			<key>PayloadDescription</key>
			<string>Trusts the OWTS units this club CA issues certificates for (.local names and private addresses only).</string>
			<key>PayloadDisplayName</key>
			<string>${name}</string>
			<key>PayloadIdentifier</key>
			<string>owts.ca.${fp.slice(0, 16)}.root</string>
			<key>PayloadType</key>
			<string>com.apple.security.root</string>
			<key>PayloadUUID</key>
			<string>${stableUuid(fp, "root")}</string>
			<key>PayloadVersion</key>
			<integer>1</integer>
		</dict>
	</array>
	<key>PayloadDescription</key>
	<string>Installs the club CA so OWTS units open without a certificate warning. After installing, turn it on under Settings → General → About → Certificate Trust Settings.</string>
	<key>PayloadDisplayName</key>
	<string>${name}</string>
	<key>PayloadIdentifier</key>
	<string>owts.ca.${fp.slice(0, 16)}</string>
	<key>PayloadRemovalDisallowed</key>
	<false/>
	<key>PayloadType</key>
	<string>Configuration</string>
	<key>PayloadUUID</key>
	<string>${stableUuid(fp, "profile")}</string>
	<key>PayloadVersion</key>
	<integer>1</integer>
</dict>
</plist>
`;
}
