import type {} from "@fastify/swagger";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { RadioService } from "../../radio/radio-service.js";
import {
  type RadioSettings,
  type RadioValidation,
  radioView,
  validateRadioSettings,
} from "../../radio/radio-settings.js";
import type { Namespace } from "../../store/settings-store.js";
import { ref } from "../schema-ref.js";
import { RadioPatch, RadioView } from "../schemas/radio.js";
import { rulesFailed, storeOrReject } from "../store-errors.js";

/**
 * `GET`/`PATCH /api/radio`, both modes. Writes go through the running RadioService (which checks,
 * persists, then retunes the link); a device without a runtime checks and stores them the same way.
 */
export interface RadioRoutesOptions {
  /** The `radio` namespace (RADIO_NAMESPACE), written directly only while no runtime runs. */
  settings: Namespace<RadioSettings>;
  /** The running runtime's radio service, or undefined while none runs. */
  radio: () => RadioService | undefined;
}

export const radioRoutes: FastifyPluginAsyncTypebox<RadioRoutesOptions> = async (
  app,
  { settings: stored, radio: current },
) => {
  const tags = ["radio"];

  app.get(
    "/radio",
    {
      schema: {
        summary: "Radio settings, SRD profiles and the duty cycle used",
        tags,
        response: { 200: ref(RadioView) },
      },
    },
    async (_request, reply): Promise<RadioView> => {
      // duty_cycle_used_ppm moves with every frame sent.
      reply.header("Cache-Control", "no-cache");
      const radio = current();
      return radio ? radio.view() : radioView(stored.get(), 0);
    },
  );

  app.patch<{ Body: RadioPatch }>(
    "/radio",
    {
      schema: {
        summary: "Change radio settings",
        description:
          "Fields not sent keep their value. The frequency is snapped to `frequency_hz_step`; the result must sit " +
          "inside the profile's segment and clear of the FLARM band, the power within the profile's cap. The link " +
          "is retuned at once.",
        tags,
        body: ref(RadioPatch),
        response: { 200: ref(RadioView) },
      },
    },
    async (request): Promise<RadioView> => {
      const radio = current();
      let result: RadioValidation;
      if (radio) result = await storeOrReject(() => radio.update(request.body), "radio settings");
      else {
        result = validateRadioSettings(request.body, stored.get());
        if (result.ok) {
          const settings = result.settings;
          await storeOrReject(() => stored.set(settings), "radio settings");
        }
      }
      if (!result.ok) throw rulesFailed(result.details, "radio settings");
      return radio ? radio.view() : radioView(stored.get(), 0);
    },
  );
};
