/**
 * One ingest request of `traces` traces of `spansPerTrace` spans through the native, OTLP
 * (protobuf) or LangSmith (multipart) path, with fresh ids and `tag` on every root: what the
 * soak runs post. Built once, sent by the returned function (which can be called again).
 */
import { randomUUID } from 'node:crypto';
import type { LocalLoupe } from '../../scripts/local.ts';
import { BASE_TIME, traceSteps, type Workload } from '../compat-workload.ts';
import { buildOtlpRequests } from '../ingest-otlp.ts';
import { buildLangsmithRequests } from '../ingest-langsmith.ts';

export type Path = 'native' | 'otlp' | 'langsmith';

function workload(tag: string, traces: number, spansPerTrace: number): Workload {
  return { traces, spansPerTrace, batchSize: traces * spansPerTrace, concurrency: 1, tag };
}

/** One request's body for `path`, with fresh ids and `tag` on every root. */
export function request(path: Path, tag: string, loupe: LocalLoupe, traces: number, spansPerTrace: number): () => Promise<Response> {
  if (path === 'otlp') {
    const body = buildOtlpRequests(workload(tag, traces, spansPerTrace)).bodies[0];
    return () => fetch(`${loupe.url}/otel/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${loupe.apiKey}` }, body: body as unknown as BodyInit });
  }
  if (path === 'langsmith') {
    const { body, boundary } = buildLangsmithRequests(workload(tag, traces, spansPerTrace)).bodies[0];
    return () => fetch(`${loupe.url}/runs/multipart`, { method: 'POST', headers: { 'x-api-key': loupe.apiKey, 'content-type': `multipart/form-data; boundary=${boundary}` }, body: body as unknown as BodyInit });
  }
  const spans = [];
  for (let t = 0; t < traces; t++) {
    const traceId = randomUUID();
    const t0 = BASE_TIME + t * 10;
    for (const step of traceSteps(t, spansPerTrace)) {
      spans.push({
        id: step.index === 0 ? 'root' : `s${step.index}`,
        trace_id: traceId,
        parent_id: step.index === 0 ? null : 'root',
        name: step.name,
        kind: step.kind,
        start_time: t0 + step.start,
        end_time: t0 + step.end,
        input: step.input,
        output: step.output,
        ...(step.model ? { model: step.model, usage: step.usage } : {}),
        ...(step.index === 0 ? { tags: [tag] } : {}),
      });
    }
  }
  const body = JSON.stringify({ spans });
  return () => fetch(`${loupe.url}/v1/spans`, { method: 'POST', headers: { authorization: `Bearer ${loupe.apiKey}`, 'content-type': 'application/json' }, body });
}

