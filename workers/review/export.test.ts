import { describe, it, expect } from 'vitest';
import { toCsv } from './export.ts';
import type { RubricKey } from '../../schema/wire/review.ts';

const rubric = [
  { key: 'delta', type: 'number', min: -5, max: 5, required: false },
  { key: 'notes', type: 'text', required: false },
] as RubricKey[];

describe('the CSV export of a queue', () => {
  it('neutralises formulas in reviewer and trace text, but keeps negative numbers as numbers', () => {
    const csv = toCsv(rubric, [
      {
        trace_id: 't-1',
        status: 'complete',
        reviewer_id: 'u-1',
        reviewer: 'ann@example.com',
        submitted_at: '2026-11-26T10:00:00.000Z',
        values: { delta: -2, notes: '=HYPERLINK("http://evil.example","click")' },
        correction: '+1 555 0100',
        comment: '@SUM(A1:A9)',
        final: { delta: -2, notes: '-looks fine' },
      },
    ]);
    const [header, row] = csv.split('\r\n');
    expect(header).toBe('trace_id,item_status,reviewer_id,reviewer,submitted_at,delta,notes,correction,comment,final_delta,final_notes');
    expect(row).toBe(`t-1,complete,u-1,ann@example.com,2026-11-26T10:00:00.000Z,-2,"'=HYPERLINK(""http://evil.example"",""click"")",'+1 555 0100,'@SUM(A1:A9),-2,'-looks fine`);
  });
});
