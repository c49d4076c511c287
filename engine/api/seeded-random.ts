// k6's randomSeed(): Math.random becomes a repeatable sequence from the seed (a 32-bit
// mulberry-style generator; k6 documents repeatability, not the generator).
export function seededRandom(value: number): () => number {
  let seed = value >>> 0;
  return () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
