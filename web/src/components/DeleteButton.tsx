/**
 * The one way the UI deletes (or revokes, or removes) something: a danger button that asks
 * first, then sends DELETE as a user action (busy while it runs, its error shown by the
 * caller's Problem) and hands the answer to `then` (undefined when it failed).
 */
import type { ReactNode } from 'react';
import { api } from '../api/client.ts';
import type { useAction } from '../api/use-action.ts';

interface Props {
  /** The write state the deletion runs in (its `busy` disables the button). */
  action: ReturnType<typeof useAction>;
  /** The API path to DELETE. */
  path: string;
  /** What the confirmation asks, naming the thing and what deleting it does. */
  question: string;
  /** After the answer: reload a list, or leave the page. */
  then?(answer: unknown): void;
  children?: ReactNode;
}

/** "Delete" (or the given label) that deletes `path` once the user confirms. */
export function DeleteButton({ action, path, question, then, children = 'Delete' }: Props) {
  return (
    <button
      type="button"
      className="button subtle danger"
      disabled={action.busy}
      onClick={() => {
        if (confirm(question)) void action.run(() => api(path, { method: 'DELETE' })).then(then);
      }}
    >
      {children}
    </button>
  );
}
