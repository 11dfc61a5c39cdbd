/** FNV-1a (64 bit) as 16 hex digits: a stable fingerprint of generated content, to see that it changed. */
export const contentHash = (s: string): string => {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < s.length; i++) h = BigInt.asUintN(64, (h ^ BigInt(s.charCodeAt(i))) * 0x100000001b3n);
  return h.toString(16).padStart(16, '0');
};
