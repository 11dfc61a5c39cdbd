/** Wilder's true range: max(h − l, |h − c_prev|, |l − c_prev|), compared in TA-Lib's order. */
export const trueRange = (high: number, low: number, previousClose: number): number => {
  let range = high - low;
  const up = Math.abs(high - previousClose);
  if (up > range) range = up;
  const down = Math.abs(low - previousClose);
  if (down > range) range = down;
  return range;
};
