-- Full-text search over span inputs and outputs (the first 2,000 characters of their text).
-- Contentless (content=''), because the text already lives in R2: D1 keeps only the
-- inverted index. Each span owns two rows: rowid 2*spans.rowid (name + input) and
-- 2*spans.rowid+1 (output + error), so `spans_fts.rowid >> 1 = spans.rowid`;
-- contentless_delete=1 lets a later post (the end, with the output) replace just its row.
CREATE VIRTUAL TABLE `spans_fts` USING fts5(body, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2');
