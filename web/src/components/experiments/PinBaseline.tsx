/**
 * "Pin as baseline": makes the experiment its dataset's baseline (POST
 * /v1/experiments/{id}/baseline), which gates compare against instead of the latest run.
 * Needs the admin scope; a candidate that failed its gate is refused by the API (409) and
 * the reason shown.
 */
import { api } from '../../api/client.ts';
import { useAction } from '../../api/use-action.ts';
import type { ExperimentOut } from '../../../../schema/wire/experiments.ts';
import { useCanManage } from '../evals/common.tsx';

export function PinBaseline({ experiment, onPinned }: { experiment: ExperimentOut; onPinned(e: ExperimentOut): void }) {
  const canPin = useCanManage();
  const action = useAction();
  if (experiment.baseline) return <span className="badge baseline-badge">baseline</span>;
  if (!canPin) return null;
  const pin = async () => {
    const e = await action.run(() => api<ExperimentOut>(`/v1/experiments/${encodeURIComponent(experiment.id)}/baseline`, { method: 'POST' }));
    if (e) onPinned(e);
  };
  return (
    <span className="pin-baseline">
      <button type="button" className="button" disabled={action.busy || experiment.gate_failed} onClick={pin} title={experiment.gate_failed ? 'It failed its gate: a failing candidate never becomes the baseline' : undefined}>
        Pin as baseline
      </button>
      {action.error && (
        <span className="error-text small" role="alert">
          {action.error.message}
        </span>
      )}
    </span>
  );
}
