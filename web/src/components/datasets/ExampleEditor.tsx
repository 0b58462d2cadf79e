/**
 * The example editor: inputs, outputs (the expected answer), criteria, expected tool calls,
 * metadata, tags and splits. JSON is checked in the browser before sending; the dataset's
 * JSON Schemas are the API's to check, and its 400 is shown under the field it names
 * (`error.path`), with the location inside the field.
 */
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError } from '../../api/client.ts';
import type { ExampleWrite } from '../../../../schema/wire/datasets.ts';
import { fieldOfPath, parseDraft, type ExampleDraft, type ExampleField, type FieldErrors } from '../../lib/example-draft.ts';

const LABELS: Record<ExampleField, { label: string; hint: string; rows: number }> = {
  inputs: { label: 'Inputs', hint: 'JSON object', rows: 8 },
  outputs: { label: 'Expected output', hint: 'JSON object: the right answer (empty: none)', rows: 6 },
  criteria: { label: 'Criteria', hint: 'what a good answer must do, for judges', rows: 3 },
  expected_trajectory: { label: 'Expected tool calls', hint: 'JSON list of {"name", "args"} (empty: none)', rows: 4 },
  metadata: { label: 'Metadata', hint: 'JSON object', rows: 3 },
  tags: { label: 'Tags', hint: 'comma-separated; "pinned" marks a regression case', rows: 1 },
  splits: { label: 'Splits', hint: 'comma-separated, e.g. train, test', rows: 1 },
};

interface Props {
  initial: ExampleDraft;
  /** Sends the example; an ApiError it throws is shown at its field. */
  onSave(value: Omit<ExampleWrite, 'id' | 'source'>): Promise<unknown>;
  onCancel?(): void;
  saveLabel?: string;
  /** Shown above the fields (e.g. the dataset picker). */
  children?: ReactNode;
  /** The form's accessible name. */
  label: string;
}

export function ExampleEditor({ initial, onSave, onCancel, saveLabel = 'Save', children, label }: Props) {
  const [draft, setDraft] = useState(initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [general, setGeneral] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const uid = useId();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setGeneral(null);
    const parsed = parseDraft(draft);
    setErrors(parsed.errors);
    if (!parsed.value) return;
    setBusy(true);
    try {
      await onSave(parsed.value);
    } catch (err) {
      const at = err instanceof ApiError ? fieldOfPath(err.path) : null;
      if (at) setErrors({ [at.field]: err instanceof ApiError ? err.message : String(err) });
      else setGeneral((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="example-editor" onSubmit={submit} aria-label={label} noValidate>
      {children}
      {(Object.keys(LABELS) as ExampleField[]).map((f) => {
        const meta = LABELS[f];
        const id = `${uid}-${f}`;
        return (
          <div key={f} className={`example-field${errors[f] ? ' has-error' : ''}`} data-field={f}>
            <label htmlFor={id}>
              {meta.label} <span className="muted small">{meta.hint}</span>
            </label>
            {meta.rows === 1 ? (
              <input id={id} value={draft[f]} onChange={(e) => setDraft({ ...draft, [f]: e.target.value })} aria-invalid={!!errors[f]} aria-describedby={errors[f] ? `${id}-error` : undefined} />
            ) : (
              <textarea
                id={id}
                className={f === 'criteria' ? undefined : 'mono'}
                rows={meta.rows}
                spellCheck={f === 'criteria'}
                value={draft[f]}
                onChange={(e) => setDraft({ ...draft, [f]: e.target.value })}
                aria-invalid={!!errors[f]}
                aria-describedby={errors[f] ? `${id}-error` : undefined}
              />
            )}
            {errors[f] && (
              <p className="error-text small field-error" id={`${id}-error`} role="alert">
                {errors[f]}
              </p>
            )}
          </div>
        );
      })}
      {general && (
        <p className="error-text" role="alert">
          {general}
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? 'Saving…' : saveLabel}
        </button>
        {onCancel && (
          <button type="button" className="button subtle" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
