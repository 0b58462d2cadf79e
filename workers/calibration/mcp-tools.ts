/** The calibration MCP tool: an evaluator's agreement with people, as the CLI's markdown. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { agreementMarkdown } from '../../schema/render/calibration.ts';
import { LabelType } from '../../schema/wire/calibration.ts';
import { ApiError } from '../platform/errors.ts';
import type { AuthContext } from '../platform/context.ts';
import { evaluatorAgreement } from './agreement.ts';

export function registerCalibrationTools(server: McpServer, env: Env, auth: AuthContext): void {
  server.registerTool(
    'evaluator_agreement',
    {
      title: 'Evaluator agreement with people',
      description:
        "How well an evaluator (LLM judge or check) agrees with human labels (source human) on the same traces: confusion matrix, accuracy, TPR/TNR and Cohen's kappa (boolean, categorical) or Spearman, MAE and share within tolerance (numeric), each with n and a 95% interval, per version and over time, then the traces where they disagree with the judge's reasoning beside the reviewers' comments.",
      inputSchema: {
        evaluator_id: z.string().min(1).max(64),
        human_key: z.string().min(1).max(200).optional().describe('Compare with this human key (default: the stored mapping, else the same key).'),
        type: LabelType.optional(),
        threshold: z.number().optional().describe('A numeric label >= threshold counts as true.'),
        tolerance: z.number().min(0).optional(),
        version: z.number().int().positive().optional(),
        disagreements: z.number().int().min(0).max(50).default(10),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ evaluator_id, ...opts }) => {
      try {
        const a = await evaluatorAgreement(env, auth.projectId, evaluator_id, { bucket: 'day', ...opts });
        return { content: [{ type: 'text', text: agreementMarkdown(a) }] };
      } catch (err) {
        if (err instanceof ApiError) return { content: [{ type: 'text', text: `${err.code}: ${err.message}` }], isError: true };
        throw err;
      }
    },
  );
}
