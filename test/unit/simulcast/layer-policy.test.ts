/**
 * LayerPolicy: which layer a viewer's link carries, from loss alone. Bitrates are those Chromium's
 * fake camera sends (180p/360p/720p, kbit/s).
 */
import { describe, expect, it } from 'vitest';
import { LayerPolicy } from '../../../server/sfu/layer-policy.js';

const LAYERS = [145_000, 350_000, 700_000];

describe('LayerPolicy', () => {
  it('starts on the best layer and stays there while nothing is lost', () => {
    const policy = new LayerPolicy(0);
    let layer = policy.choose(LAYERS, 2, 0);
    for (let t = 1000; t <= 30_000; t += 1000) {
      policy.onLoss(0, LAYERS[layer]!, t);
      layer = policy.choose(LAYERS, layer, t);
    }
    expect(layer).toBe(2);
  });

  it('ignores loss in the first moments of a session', () => {
    const policy = new LayerPolicy(0);
    policy.onLoss(0.5, LAYERS[2]!, 1000);
    expect(policy.choose(LAYERS, 2, 1000)).toBe(2);
    policy.onLoss(0.5, LAYERS[2]!, 3000);
    expect(policy.choose(LAYERS, 2, 3000)).toBeLessThan(2);
  });

  it('goes down at once, to the layer that fits what got through', () => {
    const policy = new LayerPolicy(0);
    policy.onLoss(0.3, LAYERS[2]!, 3000); // 700 kbit/s sent, 30% lost: ~595 kbit/s
    expect(policy.choose(LAYERS, 2, 3000)).toBe(1);
    const worse = new LayerPolicy(0);
    worse.onLoss(0.8, LAYERS[2]!, 3000); // ~420 kbit/s × (1 − 0.4)
    expect(worse.choose(LAYERS, 2, 3000)).toBe(0);
  });

  it('tries the next layer up after a hold, one step at a time, and backs off after failed tries', () => {
    const policy = new LayerPolicy(0);
    // A 300 kbit/s link: any layer above 180p loses ~40%.
    const lossOn = (layer: number) => (LAYERS[layer]! > 300_000 ? 0.4 : 0);
    let layer = 2;
    const tries: number[] = [];
    for (let t = 2500; t <= 180_000; t += 500) {
      if (t % 1000 === 0) policy.onLoss(lossOn(layer), LAYERS[layer]!, t);
      const next = policy.choose(LAYERS, layer, t);
      if (next > layer) tries.push(t);
      expect(next - layer, 'never more than one step up at a time').toBeLessThanOrEqual(1);
      layer = next;
    }
    expect(layer).toBe(0);
    expect(tries.length).toBeGreaterThanOrEqual(3);
    const gaps = tries.slice(1).map((t, i) => t - tries[i]!);
    // Each failed try doubles the wait, up to a minute.
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]!).toBeGreaterThanOrEqual(gaps[i - 1]!);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(65_000);
    expect(gaps[gaps.length - 1]!).toBeGreaterThanOrEqual(30_000);
  });

  it('climbs back to the best layer once the link clears', () => {
    const policy = new LayerPolicy(0);
    policy.onLoss(0.8, LAYERS[2]!, 3000);
    let layer = policy.choose(LAYERS, 2, 3000);
    expect(layer).toBe(0);
    for (let t = 4000; t <= 60_000; t += 500) {
      if (t % 1000 === 0) policy.onLoss(0, LAYERS[layer]!, t);
      layer = policy.choose(LAYERS, layer, t);
    }
    expect(layer).toBe(2);
  });

  it('waits for the layers to be measured', () => {
    const policy = new LayerPolicy(0);
    policy.onLoss(0.9, 0, 5000);
    expect(policy.choose([0, 0, 0], 2, 5000)).toBe(2);
    expect(policy.choose([], 0, 5000)).toBe(0);
  });
});
