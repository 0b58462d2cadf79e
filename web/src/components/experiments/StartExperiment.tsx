/**
 * Start a server-side experiment from the browser (the API's `target` and `replay`): Loupe
 * calls a deployed endpoint for each example (signed, through a queue), or replays each
 * example's chat messages through a configured provider with a changed system prompt or
 * model. The runs and scores then fill the experiment's page. Validation is the API's:
 * a 4xx is shown as it names the field.
 */
import { useState } from 'react';
import { useNavigate } from 'react-router';
import type { DatasetOut } from '../../../../schema/wire/datasets.ts';
import type { ExperimentOut } from '../../../../schema/wire/experiments.ts';
import type { ProviderOut } from '../../../../schema/wire/providers.ts';
import type { EvaluatorOut } from '../../../../schema/wire/evaluators.ts';
import { api } from '../../api/client.ts';
import { useApi } from '../../api/use-api.ts';
import { ErrorNote } from '../ErrorNote.tsx';

export function StartExperiment() {
  const navigate = useNavigate();
  const datasets = useApi<{ datasets: DatasetOut[] }>('/v1/datasets');
  const providers = useApi<{ providers: ProviderOut[] }>('/v1/providers');
  const evaluators = useApi<{ evaluators: EvaluatorOut[] }>('/v1/evaluators');
  const [kind, setKind] = useState<'endpoint' | 'replay'>('endpoint');
  const [name, setName] = useState('');
  const [datasetId, setDatasetId] = useState('');
  const [url, setUrl] = useState('');
  const [secret, setSecret] = useState('');
  const [providerId, setProviderId] = useState('');
  const [model, setModel] = useState('');
  const [system, setSystem] = useState('');
  const [chosen, setChosen] = useState<string[]>([]);
  const [concurrency, setConcurrency] = useState(4);
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(undefined);
    setBusy(true);
    const body: Record<string, unknown> = { name, dataset_id: datasetId, evaluators: chosen };
    if (kind === 'endpoint') body.target = { url, concurrency, ...(secret ? { secret } : {}) };
    else body.replay = { provider_id: providerId, concurrency, ...(model ? { model } : {}), ...(system ? { system } : {}) };
    try {
      const created = await api<ExperimentOut>('/v1/experiments', { body });
      navigate(`/experiments/${encodeURIComponent(created.id)}`);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <details className="card start-experiment">
      <summary>Start a server-side experiment</summary>
      <form onSubmit={submit} className="stack">
        <label>
          Name <input aria-label="Experiment name" value={name} onChange={(e) => setName(e.target.value)} required placeholder="support-agent v1.3 on staging" />
        </label>
        <label>
          Dataset{' '}
          <select aria-label="Experiment dataset" value={datasetId} onChange={(e) => setDatasetId(e.target.value)} required>
            <option value="">Pick a dataset…</option>
            {datasets.data?.datasets.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name} (v{d.latest_version})
              </option>
            ))}
          </select>
        </label>
        <fieldset>
          <legend>Run</legend>
          <label>
            <input type="radio" name="kind" checked={kind === 'endpoint'} onChange={() => setKind('endpoint')} /> against an endpoint (POST each example's inputs, signed)
          </label>
          <label>
            <input type="radio" name="kind" checked={kind === 'replay'} onChange={() => setKind('replay')} /> as a prompt replay (each example's chat messages through a provider)
          </label>
        </fieldset>
        {kind === 'endpoint' ? (
          <>
            <label>
              Endpoint URL <input aria-label="Endpoint URL" value={url} onChange={(e) => setUrl(e.target.value)} required placeholder="https://staging.example.com/agent" size={48} />
            </label>
            <label>
              Signing secret <input aria-label="Signing secret" type="password" value={secret} onChange={(e) => setSecret(e.target.value)} placeholder="optional, 16+ characters (x-loupe-signature)" autoComplete="off" />
            </label>
          </>
        ) : (
          <>
            <label>
              Provider{' '}
              <select aria-label="Replay provider" value={providerId} onChange={(e) => setProviderId(e.target.value)} required>
                <option value="">Pick a provider…</option>
                {providers.data?.providers.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Model <input aria-label="Replay model" value={model} onChange={(e) => setModel(e.target.value)} placeholder="default: the provider's" />
            </label>
            <label>
              System prompt <textarea aria-label="Replay system prompt" value={system} onChange={(e) => setSystem(e.target.value)} rows={4} placeholder="empty: keep each example's own" />
            </label>
          </>
        )}
        <label>
          Calls at once <input aria-label="Concurrency" type="number" min={1} max={32} value={concurrency} onChange={(e) => setConcurrency(Number(e.target.value) || 1)} />
        </label>
        {!!evaluators.data?.evaluators.length && (
          <fieldset>
            <legend>Score with</legend>
            {evaluators.data.evaluators.map((ev) => (
              <label key={ev.id}>
                <input type="checkbox" checked={chosen.includes(ev.id)} onChange={(e) => setChosen(e.target.checked ? [...chosen, ev.id] : chosen.filter((x) => x !== ev.id))} /> {ev.name}
              </label>
            ))}
          </fieldset>
        )}
        {error && <ErrorNote error={error} />}
        <button className="button primary" type="submit" disabled={busy}>
          Start experiment
        </button>
      </form>
    </details>
  );
}
