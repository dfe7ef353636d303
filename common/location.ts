import { z } from 'zod';
import { cleanText, visibleLength } from './text.js';

import { APPROXIMATE_GRID_METRES, PLACE_MAX } from './limits.js';

export { APPROXIMATE_GRID_METRES, PLACE_MAX };

/**
 * Where the busker plays, as typed in the studio. Off by default and for every new set: nothing
 * here reaches a viewer unless `share` is true (consent), and then only through `publicLocation`.
 */
export const LocationInputSchema = z
  .strictObject({
    share: z.boolean().default(false),
    place: z
      .string()
      .transform(cleanText)
      .pipe(z.string().refine((text) => visibleLength(text) <= PLACE_MAX, `a place has at most ${PLACE_MAX} characters`))
      .default(''),
    lat: z.number().min(-90).max(90).nullable().default(null),
    lon: z.number().min(-180).max(180).nullable().default(null),
    /** `approximate` snaps the point to a ~500 m grid before it leaves the node. */
    precision: z.enum(['exact', 'approximate']).default('approximate'),
  })
  .refine((l) => (l.lat === null) === (l.lon === null), { message: 'give both latitude and longitude, or neither' })
  .refine((l) => !l.share || l.place !== '' || l.lat !== null, {
    message: 'to share a location, give a place name or coordinates',
  });
export type LocationInput = z.infer<typeof LocationInputSchema>;

export const NO_LOCATION: LocationInput = { share: false, place: '', lat: null, lon: null, precision: 'approximate' };

/** What viewers are shown: only ever built from a consented input by `publicLocation`. */
export const PublicLocationSchema = z.object({
  place: z.string(),
  lat: z.number().nullable(),
  lon: z.number().nullable(),
  precision: z.enum(['exact', 'approximate']),
  /** OpenStreetMap, centred on the point (or a search for the place). */
  mapUrl: z.string(),
  /** OpenStreetMap directions to the point (walking), or null without coordinates. */
  directionsUrl: z.string().nullable(),
});
export type PublicLocation = z.infer<typeof PublicLocationSchema>;

/** The public form of a location, or null without consent. Approximate points are snapped here. */
export function publicLocation(input: LocationInput): PublicLocation | null {
  if (!input.share) return null;
  const point = input.lat !== null && input.lon !== null ? { lat: input.lat, lon: input.lon } : null;
  const shown = point && input.precision === 'approximate' ? snapToGrid(point.lat, point.lon) : point;
  if (!shown) {
    if (!input.place) return null;
    return {
      place: input.place,
      lat: null,
      lon: null,
      precision: input.precision,
      mapUrl: `https://www.openstreetmap.org/search?query=${encodeURIComponent(input.place)}`,
      directionsUrl: null,
    };
  }
  const lat = shown.lat.toFixed(input.precision === 'exact' ? 6 : 4);
  const lon = shown.lon.toFixed(input.precision === 'exact' ? 6 : 4);
  const zoom = input.precision === 'exact' ? 18 : 15;
  return {
    place: input.place,
    lat: Number(lat),
    lon: Number(lon),
    precision: input.precision,
    mapUrl:
      input.precision === 'exact'
        ? `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=${zoom}/${lat}/${lon}`
        : `https://www.openstreetmap.org/#map=${zoom}/${lat}/${lon}`,
    // The start is left empty: OpenStreetMap asks the phone for it.
    directionsUrl: `https://www.openstreetmap.org/directions?engine=fossgis_osrm_foot&route=%3B${lat}%2C${lon}`,
  };
}

/**
 * Snaps a point to the centre of its cell on a ~500 m grid: anyone near the busker lands in the
 * same cell, so the shown point says "around here" and not "this doorway". Cells are 500 m tall
 * everywhere and 500 m wide at the cell's own latitude.
 */
export function snapToGrid(lat: number, lon: number, metres = APPROXIMATE_GRID_METRES): { lat: number; lon: number } {
  const latStep = metres / 111_320;
  const snappedLat = clamp((Math.floor(lat / latStep) + 0.5) * latStep, -90, 90);
  const lonStep = Math.min(360, metres / (111_320 * Math.max(Math.cos((snappedLat * Math.PI) / 180), 0.01)));
  const snappedLon = clamp((Math.floor(lon / lonStep) + 0.5) * lonStep, -180, 180);
  return { lat: snappedLat, lon: snappedLon };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
