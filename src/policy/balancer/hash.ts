/**
 * A fast, well-mixed 32-bit string hash for the hash ring: FNV-1a over the
 * UTF-16 code units, then a murmur3-style finaliser. FNV alone leaves
 * near-identical strings ("r#1", "r#2" — exactly what virtual nodes are
 * named) close together on the ring; the finaliser spreads them. Not for
 * anything adversarial: a client choosing keys can at worst choose its replica.
 */
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

export function hash32(text: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
