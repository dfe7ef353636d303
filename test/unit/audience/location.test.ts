import { describe, expect, it } from 'vitest';
import { LocationInputSchema, publicLocation, snapToGrid } from '../../../common/location.js';

/** Great-circle distance in metres. */
function metres(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6_371_000 * Math.asin(Math.sqrt(h));
}

describe('location by consent', () => {
  const draft = LocationInputSchema.parse({ place: 'Pont Neuf, Paris', lat: 48.857_31, lon: 2.341_29, precision: 'exact' });

  it('is off by default, and without consent nothing is public', () => {
    expect(LocationInputSchema.parse({}).share).toBe(false);
    expect(draft.share).toBe(false);
    expect(publicLocation(draft)).toBeNull();
  });

  it('exact: the point, an OpenStreetMap marker link and walking directions to it', () => {
    const shown = publicLocation({ ...draft, share: true })!;
    expect(shown).toMatchObject({ place: 'Pont Neuf, Paris', lat: 48.85731, lon: 2.34129, precision: 'exact' });
    expect(shown.mapUrl).toBe('https://www.openstreetmap.org/?mlat=48.857310&mlon=2.341290#map=18/48.857310/2.341290');
    expect(shown.directionsUrl).toBe('https://www.openstreetmap.org/directions?engine=fossgis_osrm_foot&route=%3B48.857310%2C2.341290');
  });

  it('approximate: the point moves to its ~500 m cell centre, never the doorway, and no marker is drawn', () => {
    const shown = publicLocation({ ...draft, share: true, precision: 'approximate' })!;
    const moved = metres(draft as { lat: number; lon: number }, shown as { lat: number; lon: number });
    expect(moved).toBeGreaterThan(0);
    expect(moved).toBeLessThan(400); // within half a cell diagonal (~354 m) plus rounding
    expect(shown.mapUrl).not.toContain('mlat');
    // Two spots 100 m apart in the same cell show the same point: the shown point does not track the busker.
    const a = snapToGrid(48.8571, 2.3412);
    const b = snapToGrid(48.8571 + 0.0001, 2.3412 + 0.0001);
    expect(metres(a, b) === 0 || metres(a, b) > 400).toBe(true);
  });

  it('snaps sensibly near the poles and the antimeridian', () => {
    for (const [lat, lon] of [[89.999, 179.999], [-89.999, -179.999], [0, 0]] as const) {
      const snapped = snapToGrid(lat, lon);
      expect(Math.abs(snapped.lat)).toBeLessThanOrEqual(90);
      expect(Math.abs(snapped.lon)).toBeLessThanOrEqual(180);
    }
  });

  it('a place name alone gives a map search and no directions', () => {
    const shown = publicLocation(LocationInputSchema.parse({ share: true, place: 'Market square' }))!;
    expect(shown).toMatchObject({ lat: null, lon: null, directionsUrl: null });
    expect(shown.mapUrl).toBe('https://www.openstreetmap.org/search?query=Market%20square');
  });

  it('refuses half a coordinate, out-of-range values, and consent with nothing to share', () => {
    expect(LocationInputSchema.safeParse({ lat: 10 }).success).toBe(false);
    expect(LocationInputSchema.safeParse({ lat: 91, lon: 0 }).success).toBe(false);
    expect(LocationInputSchema.safeParse({ share: true }).success).toBe(false);
    expect(LocationInputSchema.safeParse({ share: true, lat: 1, lon: 2, extra: 1 }).success).toBe(false);
  });
});
