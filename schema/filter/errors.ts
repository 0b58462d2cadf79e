/** The one error the filter language throws: a message for people plus where in the text it applies. */

/**
 * A filter that does not parse or cannot be compiled. `position` and `end` are 0-based
 * offsets into the filter text (UTF-16 code units, as in a browser's `selectionStart`),
 * `end` exclusive, so an editor can underline exactly the offending part. Both always lie
 * within `[0, text.length]`; an error "at the end" has `position === end === text.length`.
 */
export class FilterError extends Error {
  readonly position: number;
  readonly end: number;

  constructor(message: string, position: number, end: number = position) {
    super(message);
    this.name = 'FilterError';
    this.position = position;
    this.end = Math.max(end, position);
  }
}
