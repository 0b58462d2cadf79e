/** Long text folded to a few lines, with a control to show all of it. */
import { useState, type ReactNode } from 'react';

/** Characters shown before folding. */
const FOLD_CHARS = 1500;
/** Lines shown before folding. */
const FOLD_LINES = 24;

function needsFold(text: string, chars: number, lines: number): boolean {
  if (text.length > chars) return true;
  let count = 1;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10 && ++count > lines) return true;
  return false;
}

/** Renders `render(text)`, folded to `chars` characters / `lines` lines when longer. */
export function FoldText({ text, render, chars = FOLD_CHARS, lines = FOLD_LINES }: { text: string; render: (text: string) => ReactNode; chars?: number; lines?: number }) {
  const [open, setOpen] = useState(false);
  if (!needsFold(text, chars, lines)) return <>{render(text)}</>;
  const shown = open ? text : text.slice(0, chars).split('\n').slice(0, lines).join('\n');
  return (
    <div className={open ? 'fold open' : 'fold'}>
      {render(shown)}
      <button type="button" className="link fold-toggle" onClick={() => setOpen(!open)}>
        {open ? 'Show less' : `Show all (${text.length.toLocaleString('en-US')} characters)`}
      </button>
    </div>
  );
}
