/**
 * Settings: the project's PII redaction at ingest (GET/PUT /v1/redaction). One switch, the
 * mode, which built-in detectors run, and custom patterns; the server refuses a pattern that
 * is invalid or can backtrack exponentially, and the reason is shown next to the form.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { REDACTION_DETECTORS, type RedactionOut } from '../../../../schema/wire/redaction.ts';
import { api } from '../../api/client.ts';
import { useApi } from '../../api/use-api.ts';
import { useAction } from '../../api/use-action.ts';
import { Problem } from '../Problem.tsx';

const LABELS: Record<(typeof REDACTION_DETECTORS)[number], string> = {
  secret: 'API keys, bearer tokens, JWTs',
  email: 'Email addresses',
  iban: 'IBANs (checksum-checked)',
  card: 'Card numbers (Luhn-checked)',
  ssn: 'US social security numbers',
  ip: 'IP addresses (v4 and v6)',
  phone: 'Phone numbers',
};

type Draft = Pick<RedactionOut, 'enabled' | 'mode' | 'detectors'> & { custom: { name: string; pattern: string }[] };

/** The redaction form; only admins can save (others see it read-only and the API answers 403). */
export function RedactionSection({ manager }: { manager: boolean }) {
  const loaded = useApi<RedactionOut>('/v1/redaction');
  const [draft, setDraft] = useState<Draft | null>(null);
  const [saved, setSaved] = useState(false);
  const action = useAction();
  useEffect(() => {
    if (loaded.data) setDraft({ enabled: loaded.data.enabled, mode: loaded.data.mode, detectors: loaded.data.detectors, custom: loaded.data.custom });
  }, [loaded.data]);
  if (!draft) return <section className="card" aria-labelledby="redaction-h"><h2 id="redaction-h">PII redaction</h2><Problem error={loaded.error ?? null} /></section>;

  const set = (patch: Partial<Draft>) => {
    setSaved(false);
    setDraft({ ...draft, ...patch });
  };
  const toggle = (d: (typeof REDACTION_DETECTORS)[number]) => set({ detectors: draft.detectors.includes(d) ? draft.detectors.filter((x) => x !== d) : [...draft.detectors, d] });
  const setCustom = (i: number, patch: Partial<Draft['custom'][number]>) => set({ custom: draft.custom.map((c, j) => (j === i ? { ...c, ...patch } : c)) });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await action.run(() => api<RedactionOut>('/v1/redaction', { method: 'PUT', body: draft }))) {
      setSaved(true);
      loaded.reload();
    }
  };
  return (
    <section className="card" aria-labelledby="redaction-h">
      <h2 id="redaction-h">PII redaction</h2>
      <p className="muted">
        Applied to every span as it is ingested, before it is stored: names, inputs, outputs, tags and metadata. Spans stored earlier are not rewritten. Mask
        writes <code>[EMAIL]</code>; hash writes <code>[EMAIL:&lt;hash&gt;]</code> with a key of this project, so equal values stay equal.
      </p>
      <form onSubmit={submit} aria-label="PII redaction">
        <fieldset disabled={!manager || action.busy}>
          <label className="checkbox">
            <input type="checkbox" checked={draft.enabled} onChange={(e) => set({ enabled: e.target.checked })} /> Redact personal data at ingest
          </label>
          <label>
            Mode{' '}
            <select value={draft.mode} onChange={(e) => set({ mode: e.target.value as Draft['mode'] })}>
              <option value="mask">mask</option>
              <option value="hash">hash</option>
            </select>
          </label>
          <fieldset className="detector-list">
            <legend>Detectors</legend>
            {REDACTION_DETECTORS.map((d) => (
              <label key={d} className="checkbox">
                <input type="checkbox" checked={draft.detectors.includes(d)} onChange={() => toggle(d)} /> {LABELS[d]}
              </label>
            ))}
          </fieldset>
          <fieldset>
            <legend>Custom patterns</legend>
            {draft.custom.map((c, i) => (
              <div key={i} className="inline-form">
                <label>
                  Name <input value={c.name} required pattern="[a-z][a-z0-9_]{0,39}" onChange={(e) => setCustom(i, { name: e.target.value })} />
                </label>
                <label>
                  Regex <input value={c.pattern} required className="mono" onChange={(e) => setCustom(i, { pattern: e.target.value })} />
                </label>
                <button type="button" className="button secondary" onClick={() => set({ custom: draft.custom.filter((_, j) => j !== i) })}>
                  Remove
                </button>
              </div>
            ))}
            <button type="button" className="button secondary" onClick={() => set({ custom: [...draft.custom, { name: '', pattern: '' }] })}>
              Add a pattern
            </button>
          </fieldset>
          <button type="submit" className="button">
            Save redaction
          </button>
          {saved && <span className="ok-note">Saved. New spans are redacted within 10 seconds.</span>}
        </fieldset>
      </form>
      <Problem error={action.error} />
    </section>
  );
}
