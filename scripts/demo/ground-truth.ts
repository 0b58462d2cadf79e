/**
 * The demo's ground truth as datasets and experiments (issues 15 and 11), built from the
 * same benchmark files as its traces. Pure functions, no I/O (scripts/demo/load.ts posts
 * what they build); erasable TypeScript only (Node's type stripping).
 *
 * - `tau-bench-airline-failures`: one example per failed tau-bench conversation, its input
 *   as the trace's root input, its task's expected tool calls (`info.task.actions`) as
 *   `expected_trajectory`, the outputs the task must communicate (if any) as `outputs`,
 *   provenance = the trace.
 * - `tau2-bench`: one example per tau2-bench task (airline and retail; split = domain), the
 *   task's user scenario as `inputs`, its expected actions as `expected_trajectory`, what
 *   the agent must communicate as `outputs`, its natural-language assertions as `criteria`.
 * - Two experiments on `tau2-bench`: base GPT-4.1 and the fine-tuned GPT-4.1 run, one run
 *   per task, each run's trace the simulation's trace, scored `reward` by the benchmark's
 *   own `reward_info.reward` (1 = solved), with its real latency, tokens and cost.
 *
 * Example ids are uuids derived from what the example is, so a second load rewrites the
 * same examples instead of adding more.
 */
import { createHash } from 'node:crypto';
import { tau2TraceId, type Tau2File, type Tau2Simulation } from './tau2bench.ts';
import { taubenchTraceId, type TauBenchItem } from './taubench.ts';

export const TAUBENCH_FAILURES = 'tau-bench-airline-failures';
export const TAU2_DATASET = 'tau2-bench';

/** The tau2-bench result files: base and fine-tuned GPT-4.1 on the same airline and retail tasks. */
export const TAU2_RUNS = [
  { agent: 'gpt-4.1', experiment: 'tau2-gpt-4.1-base', files: { airline: 'gpt-4.1_airline_default_gpt-4.1_1trials.json', retail: 'gpt-4.1_retail_defautl_gpt-4.1_1trials.json' } },
  {
    agent: 'gpt-4.1-ft',
    experiment: 'tau2-gpt-4.1-fine-tuned',
    files: { airline: 'ft_gpt-4.1-2025-04-14_sierra_tau2-full-sft_BzrYdMNm_airline_default_gpt-4.1_1trials.json', retail: 'ft_gpt-4.1-2025-04-14_sierra_tau2-full-sft_BzrYdMNm_retail_default_gpt-4.1_1trials.json' },
  },
] as const;

export type Tau2Domain = keyof (typeof TAU2_RUNS)[number]['files'];

/** A tau2 task as its results file lists it (the fields the dataset uses). */
export interface Tau2Task {
  id: string;
  description?: { purpose?: string | null } | null;
  user_scenario: { instructions: unknown };
  evaluation_criteria?: {
    actions?: { name: string; arguments: unknown }[] | null;
    communicate_info?: string[] | null;
    nl_assertions?: string[] | null;
  } | null;
}

/** An example as POST /v1/datasets/{dataset}/examples takes it. */
export interface DemoExample {
  id: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown> | null;
  criteria: string | null;
  expected_trajectory: { name: string; args: unknown }[];
  metadata: Record<string, unknown>;
  splits: string[];
  source?: { trace_id: string };
}

/** A run as POST /v1/experiments/{id}/runs takes it. */
export interface DemoRun {
  example_id: string;
  trace_id: string;
  output: unknown;
  latency_ms: number;
  tokens: number | null;
  cost: number;
  scores: { reward: number };
}

/** A name-based uuid (RFC 4122 layout, version 5 nibble) of `parts`. */
export function demoUuid(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32).split('');
  h[12] = '5';
  h[16] = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  const s = h.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

/** The failed tau-bench conversations as examples with their expected trajectories. */
export function taubenchFailureExamples(items: TauBenchItem[]): DemoExample[] {
  return items
    .filter((item) => item.reward < 1)
    .map((item) => {
      const traceId = taubenchTraceId(item);
      const firstUser = item.traj.findIndex((m) => m.role === 'user');
      const outputs = item.info.task.outputs ?? [];
      return {
        id: demoUuid('tau-bench-failure', traceId),
        // The trace's root input: what the agent was given.
        inputs: { messages: item.traj.slice(0, firstUser + 1) },
        outputs: outputs.length ? { outputs } : null,
        criteria: null,
        expected_trajectory: item.info.task.actions.map((a) => ({ name: a.name, args: a.kwargs })),
        metadata: { benchmark: 'tau-bench', domain: 'airline', task_id: item.task_id, trial: item.trial, user_id: item.info.task.user_id, instruction: item.info.task.instruction },
        splits: ['test'],
        source: { trace_id: traceId },
      };
    });
}

/** The tau2 example id of a task. */
export const tau2ExampleId = (domain: string, taskId: string) => demoUuid('tau2-bench', domain, taskId);

/** The tau2-bench tasks of one domain as examples. */
export function tau2Examples(domain: Tau2Domain, tasks: Tau2Task[]): DemoExample[] {
  return tasks.map((t) => {
    const c = t.evaluation_criteria ?? {};
    const communicate = c.communicate_info ?? [];
    return {
      id: tau2ExampleId(domain, t.id),
      inputs: { domain, task_id: t.id, user_scenario: t.user_scenario.instructions },
      outputs: communicate.length ? { communicate_info: communicate } : null,
      criteria: (c.nl_assertions ?? []).join('\n') || null,
      expected_trajectory: (c.actions ?? []).map((a) => ({ name: a.name, args: a.arguments })),
      metadata: { benchmark: 'tau2-bench', domain, task_id: t.id, ...(t.description?.purpose ? { purpose: t.description.purpose } : {}) },
      splits: [domain],
    };
  });
}

/** One run per simulation of a results file, scored by the benchmark's own reward. */
export function tau2Runs(domain: Tau2Domain, agent: string, file: Tau2File): DemoRun[] {
  return file.simulations.map((sim: Tau2Simulation) => {
    let tokens = 0;
    let counted = false;
    for (const m of sim.messages) {
      if (m.role === 'assistant' && m.usage) {
        tokens += m.usage.prompt_tokens + m.usage.completion_tokens;
        counted = true;
      }
    }
    const last = [...sim.messages].reverse().find((m) => m.role === 'assistant' && m.content);
    return {
      example_id: tau2ExampleId(domain, sim.task_id),
      trace_id: tau2TraceId(domain, agent, sim),
      output: last ? { role: 'assistant', content: last.content } : null,
      latency_ms: Math.max(0, Date.parse(`${sim.end_time}Z`) - Date.parse(`${sim.start_time}Z`)),
      tokens: counted ? tokens : null,
      cost: sim.agent_cost,
      scores: { reward: sim.reward_info.reward },
    };
  });
}
