import type {} from "@fastify/swagger";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { Namespace } from "../../store/settings-store.js";
import { ref } from "../schema-ref.js";
import { checkWifiRules, WifiSettings, WifiUpdate } from "../schemas/wifi.js";
import { rulesFailed, storeOrReject } from "../store-errors.js";
import { applyWifiUpdate, type StoredWifi, wifiView } from "../wifi-settings.js";

const SCOPE =
  "On a Linux board the settings are stored and reported; applying them to the operating system's network " +
  "stack (hostapd, wpa_supplicant, NetworkManager) is out of scope.";

/** `GET`/`PUT /api/wifi`, both modes. Passwords are write-only: reads say `password_set`. */
export interface WifiRoutesOptions {
  /** The `wifi` namespace (`wifiNamespace`). */
  settings: Namespace<StoredWifi>;
}

export const wifiRoutes: FastifyPluginAsyncTypebox<WifiRoutesOptions> = async (app, { settings: stored }) => {
  const tags = ["wifi"];

  app.get(
    "/wifi",
    {
      schema: {
        summary: "WiFi settings (SoftAP and station)",
        description: `Passwords are never returned; \`password_set\` says whether one is stored. ${SCOPE}`,
        tags,
        response: { 200: ref(WifiSettings) },
      },
    },
    async (): Promise<WifiSettings> => wifiView(stored.get()),
  );

  app.put<{ Body: WifiUpdate }>(
    "/wifi",
    {
      schema: {
        summary: "Replace the WiFi settings",
        description:
          "Every field but the passwords is required; an absent password keeps the stored one, a null station " +
          `password means an open network. SSIDs are at most 32 bytes in UTF-8. ${SCOPE}`,
        tags,
        body: ref(WifiUpdate),
        response: { 200: ref(WifiSettings) },
      },
    },
    async (request): Promise<WifiSettings> => {
      const problems = checkWifiRules(request.body);
      if (problems.length > 0) throw rulesFailed(problems, "WiFi settings");
      const saved = await storeOrReject(
        () => stored.update((current) => applyWifiUpdate(current, request.body)),
        "WiFi settings",
      );
      return wifiView(saved);
    },
  );
};
