/**
 * Wire schemas for a project's evaluation settings: the judges' daily spend and call caps,
 * and today's spend. Reference: docs/evaluators.md.
 */
import { z } from 'zod';

/** Per-project evaluation settings and today's judge spend. */
export const EvalSettingsOut = z
  .object({
    daily_spend_cap_usd: z.number(),
    daily_judge_call_cap: z.number(),
    today: z.object({ day: z.string(), calls: z.number(), cost_usd: z.number() }),
  })
  .meta({ id: 'EvalSettings' });
export type EvalSettingsOut = z.infer<typeof EvalSettingsOut>;

/** PUT /v1/eval-settings (null: back to the instance default). */
export const EvalSettingsIn = z
  .object({
    daily_spend_cap_usd: z.number().min(0).max(1_000_000).nullable().optional(),
    daily_judge_call_cap: z.number().int().min(0).max(10_000_000).nullable().optional(),
  })
  .strict()
  .meta({ id: 'EvalSettingsIn' });
