/**
 * The parsed form of a filter. Plain JSON-serializable objects, so a rule or a saved view
 * can store the tree as well as the text. `pos` fields are source ranges for error
 * reporting and highlighting; they are optional so code may build trees by hand.
 */

/** A half-open range `[start, end)` of the filter text. */
export interface SourceRange {
  start: number;
  end: number;
}

/** Operators between a field and one value. `~` means "contains" (case-insensitive for ASCII). */
export type CompareOp = '=' | '!=' | '>' | '>=' | '<' | '<=' | '~';

/**
 * A value as written. Interpretation (number, duration, boolean, enum) depends on the
 * field and happens when validating/compiling, so `release=1.10` keeps its exact text.
 * `word` is bare text; `string` was quoted (quotes always mean "this is text").
 */
export interface FilterValue {
  type: 'word' | 'string';
  text: string;
  pos?: SourceRange;
}

/** A field reference: `latency`, or a keyed field such as `metadata.customer_tier`. */
export interface FieldRef {
  /** The canonical (lower-case) field name from FILTER_FIELDS. */
  name: string;
  /** For keyed fields (metadata, feedback, score): the key, exactly as written. */
  key?: string;
  pos?: SourceRange;
}

/** `field op value`. */
export interface CompareNode {
  type: 'compare';
  field: FieldRef;
  op: CompareOp;
  value: FilterValue;
  /** Where the operator is, for "this operator does not apply" errors. */
  opPos?: SourceRange;
  pos?: SourceRange;
}

/** `field in (a, b)` / `field not in (a, b)`. */
export interface InNode {
  type: 'in';
  field: FieldRef;
  negated: boolean;
  values: FilterValue[];
  pos?: SourceRange;
}

/** A bare or quoted word on its own: full-text search over span inputs and outputs. */
export interface TextNode {
  type: 'text';
  value: FilterValue;
  pos?: SourceRange;
}

/** `since:<time>` / `until:<time>`: a start-time window. */
export interface TimeNode {
  type: 'time';
  bound: 'since' | 'until';
  value: FilterValue;
  pos?: SourceRange;
}

/** `has(...)`: the trace has one span matching all of the inner filter. */
export interface HasNode {
  type: 'has';
  child: FilterNode;
  pos?: SourceRange;
}

/** `not x`. */
export interface NotNode {
  type: 'not';
  child: FilterNode;
  pos?: SourceRange;
}

/** `a and b and c` (also `a b c`). Always at least two children. */
export interface AndNode {
  type: 'and';
  children: FilterNode[];
  pos?: SourceRange;
}

/** `a or b or c`. Always at least two children. */
export interface OrNode {
  type: 'or';
  children: FilterNode[];
  pos?: SourceRange;
}

/** Any filter expression. */
export type FilterNode = AndNode | OrNode | NotNode | CompareNode | InNode | TextNode | TimeNode | HasNode;

/** A copy of `node` without source positions, for comparing trees (and storing them compactly). */
export function stripPositions<T extends FilterNode>(node: T): T {
  return JSON.parse(JSON.stringify(node, (k, v) => (k === 'pos' || k === 'opPos' ? undefined : v)));
}
