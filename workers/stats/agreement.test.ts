import { describe, it, expect } from 'vitest';
import { agreement, cohenKappa, fleissKappa } from './agreement.ts';

describe('inter-reviewer agreement', () => {
  it("computes Cohen's kappa of the textbook example (50 items, 20/5/10/15) as 0.4", () => {
    const pairs: [string, string][] = [
      ...Array(20).fill(['yes', 'yes']),
      ...Array(5).fill(['yes', 'no']),
      ...Array(10).fill(['no', 'yes']),
      ...Array(15).fill(['no', 'no']),
    ];
    expect(cohenKappa(pairs)).toBeCloseTo(0.4, 10);
  });

  it("computes Fleiss' kappa of Fleiss' example (10 subjects, 14 raters, 5 categories) as 0.210", () => {
    const table = [
      [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
      [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
    ];
    const items = table.map((row) => row.flatMap((n, cat) => Array(n).fill(String(cat + 1))));
    expect(fleissKappa(items)).toBeCloseTo(0.20993, 4);
  });

  it('uses Cohen for the same two reviewers and Fleiss otherwise, with percent agreement', () => {
    const two = agreement([
      [{ rater: 'a', value: 'true' }, { rater: 'b', value: 'true' }],
      [{ rater: 'a', value: 'false' }, { rater: 'b', value: 'false' }],
      [{ rater: 'a', value: 'true' }, { rater: 'b', value: 'false' }],
      [{ rater: 'a', value: 'false' }, { rater: 'b', value: 'false' }],
    ]);
    expect(two).toMatchObject({ items: 4, raters: 2, percent_agreement: 0.75, method: 'cohen', kappa: 0.5 });
    const three = agreement([
      [{ rater: 'a', value: 'x' }, { rater: 'b', value: 'x' }, { rater: 'c', value: 'y' }],
      [{ rater: 'a', value: 'y' }, { rater: 'c', value: 'y' }, { rater: 'd', value: 'y' }],
      [{ rater: 'b', value: 'x' }], // one rating: not counted
    ]);
    expect(three.method).toBe('fleiss');
    expect(three.items).toBe(2);
    expect(three.percent_agreement).toBeCloseTo((1 / 3 + 1) / 2, 4);
  });

  it('is undefined, not a number, when every answer is the same or nothing was rated twice', () => {
    expect(agreement([[{ rater: 'a', value: 'x' }, { rater: 'b', value: 'x' }]])).toMatchObject({ percent_agreement: 1, kappa: null });
    expect(agreement([[{ rater: 'a', value: 'x' }]])).toMatchObject({ items: 0, percent_agreement: null, kappa: null, method: null });
  });
});
