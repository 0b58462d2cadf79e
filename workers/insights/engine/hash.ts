/**
 * Deterministic string hashing for the Insights engine: FNV-1a (32 bit) over UTF-16 code
 * units. The same text hashes the same in workerd, Node and a browser, so feature buckets,
 * samples and membership fingerprints agree between steps, runs and machines.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a hash of `text` as an unsigned 32-bit integer, optionally salted by `seed`. */
export function hash32(text: string, seed = 0): number {
  let h = (FNV_OFFSET ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  // FNV-1a mixes the low bits poorly for short keys; a final avalanche (murmur3 fmix32)
  // spreads them so `hash % buckets` and `hash / 2^32` are both well distributed.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A number in [0, 1) derived from `text` and `seed`: a trace's place in a seeded sample. */
export function unitHash(text: string, seed = 0): number {
  return hash32(text, seed) / 4294967296;
}

/** A seeded pseudo-random generator (mulberry32): the same seed gives the same stream everywhere. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
