/**
 * What a viewer asks of the set's video when the busker sends simulcast: 'auto' follows the
 * viewer's connection; the others pin a layer (the best, a middle one, the smallest).
 * No zod here: the viewer page imports this, and every kilobyte goes over someone's mobile data.
 */
export const QUALITY_PREFERENCES = ['auto', 'high', 'medium', 'low'] as const;
export type QualityPreference = (typeof QUALITY_PREFERENCES)[number];

export function isQualityPreference(value: unknown): value is QualityPreference {
  return typeof value === 'string' && (QUALITY_PREFERENCES as readonly string[]).includes(value);
}

/**
 * The WHEP layer extension's link relation (draft-ietf-wish-whep): a session's 201 carries
 * `Link: </whep/ID/layer>; rel="…"`, and a POST of `{"quality": "auto" | "high" | "medium" | "low"}`
 * there chooses (our form of the draft's layer selection).
 */
export const WHEP_LAYER_REL = 'urn:ietf:params:whep:ext:core:layer';
