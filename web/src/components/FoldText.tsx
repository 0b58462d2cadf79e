/** Long text folded to a few lines, with a control to show all of it. */
import { useState, type ReactNode } from 'react';

/** Characters shown before folding. */
const FOLD_CHARS = 1500;
/** Lines shown before folding. */
const FOLD_LINES = 24;

function needsFold(text: string): boolean {
  if (text.length > FOLD_CHARS) return true;
  let lines = 1;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10 && ++lines > FOLD_LINES) return true;
  return false;
}

/** Renders `render(text)`, folded when `text` is long. */
export function FoldText({ text, render }: { text: string; render: (text: string) => ReactNode }) {
  const [open, setOpen] = useState(false);
  if (!needsFold(text)) return <>{render(text)}</>;
  const shown = open ? text : text.slice(0, FOLD_CHARS).split('\n').slice(0, FOLD_LINES).join('\n');
  return (
    <div className={open ? 'fold open' : 'fold'}>
      {render(shown)}
      <button type="button" className="link fold-toggle" onClick={() => setOpen(!open)}>
        {open ? 'Show less' : `Show all (${text.length.toLocaleString('en-US')} characters)`}
      </button>
    </div>
  );
}
