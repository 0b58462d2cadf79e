-- Full-text search over span inputs and outputs (the first 2,000 characters of their text).
-- Contentless (content=''), because the text already lives in R2: D1 keeps only the
-- inverted index. contentless_delete=1 lets the indexer replace a span's entry when a
-- later post (start, then end with output) merges into it. rowid = spans.rowid.
CREATE VIRTUAL TABLE `spans_fts` USING fts5(body, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2');
