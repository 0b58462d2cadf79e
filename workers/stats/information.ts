/**
 * How well one labelling of items (clusters found) matches another (known classes):
 * mutual information and its normalised form, to score clustering quality (e.g. intent
 * clusters against tau-bench task ids). In nats (natural logarithm), as scikit-learn.
 */

type ClusterLabel = string | number | boolean;

function entropyOf(counts: Iterable<number>, n: number): number {
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / n) * Math.log(c / n);
  return h;
}

function contingency(labelsA: readonly ClusterLabel[], labelsB: readonly ClusterLabel[]) {
  if (labelsA.length !== labelsB.length) throw new RangeError(`labelsA and labelsB must label the same items: ${labelsA.length} against ${labelsB.length}`);
  const a = new Map<ClusterLabel, number>();
  const b = new Map<ClusterLabel, number>();
  const joint = new Map<ClusterLabel, Map<ClusterLabel, number>>();
  labelsA.forEach((x, i) => {
    const y = labelsB[i];
    a.set(x, (a.get(x) ?? 0) + 1);
    b.set(y, (b.get(y) ?? 0) + 1);
    let row = joint.get(x);
    if (!row) joint.set(x, (row = new Map()));
    row.set(y, (row.get(y) ?? 0) + 1);
  });
  return { a, b, joint, n: labelsA.length };
}

function mutualInformationOf({ a, b, joint, n }: ReturnType<typeof contingency>): number {
  let mi = 0;
  for (const [x, row] of joint) {
    for (const [y, c] of row) mi += (c / n) * Math.log((c * n) / (a.get(x)! * b.get(y)!));
  }
  // Rounding can leave -1e-17 where the information is exactly 0.
  return Math.max(0, mi);
}

/** Mutual information of two labellings of the same items, in nats (scikit-learn's mutual_info_score). Null for no items. */
export function mutualInformation(labelsA: readonly ClusterLabel[], labelsB: readonly ClusterLabel[]): number | null {
  const table = contingency(labelsA, labelsB);
  return table.n === 0 ? null : mutualInformationOf(table);
}

/**
 * Normalised mutual information with the arithmetic-mean normaliser,
 * NMI = MI / ((H(A) + H(B)) / 2): scikit-learn's normalized_mutual_info_score with its
 * default average_method='arithmetic' (equal to the V-measure). 1 for identical
 * partitions (label names do not matter), 0 for independent ones. As scikit-learn: 1 when
 * both labellings put every item in one cluster, 0 when the information is 0. Unlike
 * scikit-learn (which returns 1), null for no items: there is nothing to score.
 */
export function normalizedMutualInformation(labelsA: readonly ClusterLabel[], labelsB: readonly ClusterLabel[]): number | null {
  const table = contingency(labelsA, labelsB);
  if (table.n === 0) return null;
  if (table.a.size === 1 && table.b.size === 1) return 1;
  const mi = mutualInformationOf(table);
  if (mi === 0) return 0;
  const normaliser = (entropyOf(table.a.values(), table.n) + entropyOf(table.b.values(), table.n)) / 2;
  return Math.min(1, mi / normaliser);
}
