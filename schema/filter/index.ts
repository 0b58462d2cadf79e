/**
 * The Loupe filter language: one syntax for the API (`?q=`), the web filter bar, the CLI,
 * evaluator rules and review-queue routing. Parse once, compile to parameterized SQL.
 * Reference: docs/filter-language.md.
 */
export { FilterError } from './errors.ts';
export type { FilterNode, AndNode, OrNode, NotNode, CompareNode, InNode, TextNode, TimeNode, HasNode, FieldRef, FilterValue, CompareOp, SourceRange } from './ast.ts';
export { stripPositions } from './ast.ts';
export { FILTER_FIELDS, type FilterTarget, type FieldTarget, type FilterField, type FieldType } from './fields.ts';
export { parseFilter, MAX_DEPTH } from './parser.ts';
export { formatFilter } from './format.ts';
export { compileFilter, ftsPhrase, traceLevelTexts, MAX_FILTER_PARAMS, type CompileOptions, type CompiledFilter } from './compile.ts';
export { suggest, type Suggestion, type Suggestions } from './suggest.ts';
