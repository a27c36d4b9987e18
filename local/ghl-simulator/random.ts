/**
 * Seeded randomness, so a fault-injection run (and the ids it creates) can be replayed exactly
 * by reusing its seed.
 */

export type Random = () => number;

/** mulberry32: tiny, fast and good enough to spread faults; not for anything secret. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** GHL ids are 20 alphanumeric characters (`seD4PfOuKoVMLkEZqohJ`). */
export function ghlIdGenerator(random: Random, length = 20): () => string {
  return () => {
    let id = '';
    for (let i = 0; i < length; i += 1) id += ID_ALPHABET[Math.floor(random() * ID_ALPHABET.length)];
    return id;
  };
}
