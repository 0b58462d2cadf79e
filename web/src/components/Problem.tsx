/** An API error inline; a 403 reads as "your role cannot", with what the API said. */
import { ApiError } from '../api/client.ts';

export function Problem({ error }: { error: Error | undefined | null }) {
  if (!error) return null;
  const forbidden = error instanceof ApiError && error.status === 403;
  return (
    <p className={forbidden ? 'notice forbidden' : 'error-text'} role="alert">
      {forbidden ? `Not allowed (403): ${error.message}` : error.message}
    </p>
  );
}
