import { z } from 'zod';

/**
 * "Also publish to" (issue #8, part 3): the node relays the live set to a media engine that
 * speaks WHIP (LiveKit Ingress, Cloudflare Stream, MediaMTX, Broadcast Box, another Curbcast),
 * forwarding the publisher's packets as they are — no second encode on the laptop.
 *
 * The bearer token is a secret like the publish token: the studio sends it, the node keeps it in
 * its library, and no answer ever carries it back (`hasToken` says whether one is kept).
 */

export const RELAY_PATH = '/api/relay';

export const RELAY_LIMITS = {
  urlLength: 2000,
  tokenLength: 4096,
} as const;

/**
 * The WHIP endpoint: an http:// or https:// address, as URL parses it. Credentials in the address
 * are refused (fetch refuses them too): the bearer token has its own field.
 */
export function parseRelayUrl(url: string): URL | { error: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { error: 'not a web address: write it in full, e.g. https://example.org/whip' };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return { error: `it must start with http:// or https://, not ${parsed.protocol}` };
  }
  if (parsed.username !== '' || parsed.password !== '') {
    return { error: 'put the token in the bearer token field, not in the address' };
  }
  return parsed;
}

/** Where the relay goes, as the studio shows it: the host (and port), never the path or query (Cloudflare keeps its key there). */
export function relayTarget(url: string): string {
  const parsed = parseRelayUrl(url);
  return parsed instanceof URL ? parsed.host : '';
}

const RelayUrlSchema = z
  .string()
  .trim()
  .max(RELAY_LIMITS.urlLength, `the address is longer than ${RELAY_LIMITS.urlLength} characters`)
  .superRefine((url, ctx) => {
    if (url === '') return;
    const parsed = parseRelayUrl(url);
    if (!(parsed instanceof URL)) ctx.addIssue({ code: 'custom', message: parsed.error });
  });

/** Sent as `Authorization: Bearer <token>`: visible ASCII only, so it fits in a header as typed. */
const RelayTokenSchema = z
  .string()
  .trim()
  .max(RELAY_LIMITS.tokenLength, `the token is longer than ${RELAY_LIMITS.tokenLength} characters`)
  .regex(/^[\x21-\x7e]*$/, 'the token may use only printable ASCII characters, no spaces');

const requireUrlWhenEnabled = (settings: { enabled: boolean; url: string }, ctx: z.RefinementCtx) => {
  if (settings.enabled && settings.url === '') {
    ctx.addIssue({ code: 'custom', path: ['url'], message: 'enter the WHIP address to publish to' });
  }
};

/** What the node keeps (token included: never send this to a page). */
export const RelaySettingsSchema = z
  .object({
    enabled: z.boolean(),
    url: RelayUrlSchema,
    token: RelayTokenSchema.optional(),
  })
  .superRefine(requireUrlWhenEnabled);
export type RelaySettings = z.infer<typeof RelaySettingsSchema>;

/** PUT /api/relay: `token` left out keeps the saved one; `""` clears it. */
export const RelaySettingsInputSchema = z
  .object({
    enabled: z.boolean(),
    url: RelayUrlSchema,
    token: RelayTokenSchema.optional(),
  })
  .strict()
  .superRefine(requireUrlWhenEnabled);
export type RelaySettingsInput = z.infer<typeof RelaySettingsInputSchema>;

/** What the studio sees of the settings. */
export const RelaySettingsViewSchema = z.object({
  enabled: z.boolean(),
  url: z.string(),
  hasToken: z.boolean(),
});
export type RelaySettingsView = z.infer<typeof RelaySettingsViewSchema>;

/**
 * The relay's state. `target` is the host only; `reason` a short sentence for the busker; times are
 * ms since the epoch (node's clock).
 */
export const RelayStateSchema = z.discriminatedUnion('kind', [
  /** Not enabled. */
  z.object({ kind: z.literal('off') }),
  /** Enabled; nobody is live, so there is nothing to relay. */
  z.object({ kind: z.literal('waiting') }),
  z.object({ kind: z.literal('connecting'), target: z.string() }),
  z.object({ kind: z.literal('live'), target: z.string(), since: z.number() }),
  /** The last attempt failed; the next one starts at `retryAt`. */
  z.object({ kind: z.literal('retrying'), target: z.string(), reason: z.string(), retryAt: z.number() }),
  /** Retrying cannot help (wrong token, wrong address): nothing more until the settings change or the next set. */
  z.object({ kind: z.literal('failed'), target: z.string(), reason: z.string() }),
]);
export type RelayState = z.infer<typeof RelayStateSchema>;

/** GET and PUT /api/relay answer with both. */
export const RelayAnswerSchema = z.object({
  settings: RelaySettingsViewSchema,
  state: RelayStateSchema,
});
export type RelayAnswer = z.infer<typeof RelayAnswerSchema>;
