/**
 * Inter-reviewer agreement on one rubric key: percent agreement (the mean share of
 * agreeing reviewer pairs per item) and a chance-corrected kappa. Cohen's kappa when the
 * same two reviewers rated every item; Fleiss' kappa otherwise (any number of reviewers,
 * different people per item), computed over the items with the most common number of
 * ratings, as Fleiss' formula assumes a fixed count per item. Pure.
 */

/** One reviewer's answer on one item, as a category label (numbers and booleans as text). */
export interface Rating {
  rater: string;
  value: string;
}

/** Agreement over a set of items. Null where it is undefined (fewer than two ratings, or no chance variance). */
export interface Agreement {
  items: number;
  raters: number;
  percent_agreement: number | null;
  kappa: number | null;
  method: 'cohen' | 'fleiss' | null;
}

const round = (x: number) => Math.round(x * 10000) / 10000;

/** Share of agreeing pairs among an item's ratings. */
function pairAgreement(ratings: Rating[]): number {
  const counts = new Map<string, number>();
  for (const r of ratings) counts.set(r.value, (counts.get(r.value) ?? 0) + 1);
  const n = ratings.length;
  let agreeing = 0;
  for (const c of counts.values()) agreeing += c * (c - 1);
  return agreeing / (n * (n - 1));
}

/** Cohen's kappa for two raters who rated the same items: (po - pe) / (1 - pe). */
export function cohenKappa(pairs: [string, string][]): number | null {
  if (!pairs.length) return null;
  const a = new Map<string, number>();
  const b = new Map<string, number>();
  let agree = 0;
  for (const [x, y] of pairs) {
    a.set(x, (a.get(x) ?? 0) + 1);
    b.set(y, (b.get(y) ?? 0) + 1);
    if (x === y) agree++;
  }
  const n = pairs.length;
  const po = agree / n;
  let pe = 0;
  for (const [cat, ca] of a) pe += (ca / n) * ((b.get(cat) ?? 0) / n);
  return pe >= 1 ? null : (po - pe) / (1 - pe);
}

/** Fleiss' kappa over items that each carry exactly `n` ratings (n >= 2). */
export function fleissKappa(items: string[][]): number | null {
  if (!items.length) return null;
  const n = items[0].length;
  if (n < 2 || items.some((i) => i.length !== n)) return null;
  const totals = new Map<string, number>();
  let pBar = 0;
  for (const ratings of items) {
    const counts = new Map<string, number>();
    for (const v of ratings) {
      counts.set(v, (counts.get(v) ?? 0) + 1);
      totals.set(v, (totals.get(v) ?? 0) + 1);
    }
    let sq = 0;
    for (const c of counts.values()) sq += c * c;
    pBar += (sq - n) / (n * (n - 1));
  }
  pBar /= items.length;
  let pe = 0;
  for (const t of totals.values()) pe += (t / (items.length * n)) ** 2;
  return pe >= 1 ? null : (pBar - pe) / (1 - pe);
}

/** Agreement of the ratings of several items (items with fewer than two ratings are ignored). */
export function agreement(items: Rating[][]): Agreement {
  const rated = items.filter((i) => i.length >= 2);
  const raters = new Set(rated.flatMap((i) => i.map((r) => r.rater)));
  if (!rated.length) return { items: 0, raters: raters.size, percent_agreement: null, kappa: null, method: null };
  const percent = rated.reduce((s, i) => s + pairAgreement(i), 0) / rated.length;
  let kappa: number | null;
  let method: Agreement['method'];
  if (raters.size === 2 && rated.every((i) => i.length === 2)) {
    const [first, second] = [...raters].sort();
    method = 'cohen';
    kappa = cohenKappa(rated.map((i) => [i.find((r) => r.rater === first)!.value, i.find((r) => r.rater === second)!.value]));
  } else {
    // Fleiss assumes the same number of ratings per item: use the most common count.
    const sizes = new Map<number, number>();
    for (const i of rated) sizes.set(i.length, (sizes.get(i.length) ?? 0) + 1);
    const n = [...sizes].sort((x, y) => y[1] - x[1] || y[0] - x[0])[0][0];
    method = 'fleiss';
    kappa = fleissKappa(rated.filter((i) => i.length === n).map((i) => i.map((r) => r.value)));
  }
  return { items: rated.length, raters: raters.size, percent_agreement: round(percent), kappa: kappa === null ? null : round(kappa), method };
}
