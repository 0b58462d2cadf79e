/** Settings: the user's own password (changing it logs out their other sessions). */
import { useState, type FormEvent } from 'react';
import { MIN_PASSWORD } from '../../../../schema/wire/password.ts';
import { api } from '../../api/client.ts';
import { useAction } from '../../api/use-action.ts';
import { Problem } from '../Problem.tsx';

/** The change-password form. */
export function PasswordSection() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [done, setDone] = useState(false);
  const action = useAction();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setDone(false);
    if (await action.run(() => api('/v1/auth/password', { body: { current_password: current, new_password: next }, project: false }))) {
      setDone(true);
      setCurrent('');
      setNext('');
    }
  };
  return (
    <section className="card" aria-labelledby="password-h">
      <h2 id="password-h">Your password</h2>
      <form className="inline-form" onSubmit={submit} aria-label="Change password">
        <label>
          Current <input type="password" autoComplete="current-password" required value={current} onChange={(e) => setCurrent(e.target.value)} />
        </label>
        <label>
          New <input type="password" autoComplete="new-password" required minLength={MIN_PASSWORD} value={next} onChange={(e) => setNext(e.target.value)} />
        </label>
        <button type="submit" className="button" disabled={action.busy}>
          Change password
        </button>
        {done && <span className="ok-note">Changed. Other sessions were logged out.</span>}
      </form>
      <Problem error={action.error} />
    </section>
  );
}
