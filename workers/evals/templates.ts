/**
 * Evaluator templates: ready-made judges (helpfulness, relevance, tone, grounding,
 * correctness, criteria, hallucination, trajectory quality) and a few code checks. A
 * template is a starting config: the judge ones only need a provider (and a model).
 * Each names what the trace must carry, so a missing reference is a clear error.
 */
import type { EvaluatorTemplate } from '../../schema/wire/evaluators.ts';

const SYSTEM = (role: string) =>
  `You are an expert evaluator ${role}. Judge only the material shown; do not assume facts that are not there. ` +
  'Write your reasoning step by step in `reasoning` (cite the parts of the material that decide it), then give your verdict.';

const judge = (t: Omit<EvaluatorTemplate, 'kind' | 'target'> & { target?: EvaluatorTemplate['target'] }): EvaluatorTemplate => ({
  kind: 'judge',
  target: t.target ?? { type: 'trace' },
  ...t,
  config: { type: 'judge', temperature: 0, max_tokens: 1024, ...t.config },
});

/** Every template, in the order the UI offers them. */
export const EVALUATOR_TEMPLATES: readonly EvaluatorTemplate[] = [
  judge({
    id: 'helpfulness',
    name: 'Helpfulness',
    key: 'helpfulness',
    description: "Does the answer actually help the user with what they asked? Scores 0 to 1.",
    needs: [],
    config: {
      prompt: {
        system: SYSTEM('of AI assistants'),
        user:
          'Rate how helpful the assistant\'s final answer is to the user.\n\n' +
          'A helpful answer addresses the user\'s actual request, is correct as far as you can tell, is specific and actionable, and does not pad or evade. ' +
          'Score 1 for fully helpful, 0.5 for partly helpful (some of the request is left unaddressed or unclear), 0 for unhelpful or wrong.\n\n' +
          '<user_request>\n{{input}}\n</user_request>\n\n<assistant_answer>\n{{output}}\n</assistant_answer>',
      },
      variables: { input: 'input', output: 'output' },
      output: { type: 'number', min: 0, max: 1 },
    },
  }),
  judge({
    id: 'relevance',
    name: 'Relevance',
    key: 'relevance',
    description: 'Does the answer stay on what was asked? True or false.',
    needs: [],
    config: {
      prompt: {
        system: SYSTEM('of AI assistants'),
        user:
          'Decide whether the assistant\'s answer is relevant to the user\'s request: it addresses the question asked rather than a different one, and does not drift into unrelated material.\n\n' +
          '<user_request>\n{{input}}\n</user_request>\n\n<assistant_answer>\n{{output}}\n</assistant_answer>\n\nVerdict: true if relevant, false if not.',
      },
      variables: { input: 'input', output: 'output' },
      output: { type: 'boolean' },
    },
  }),
  judge({
    id: 'tone',
    name: 'Tone',
    key: 'tone',
    description: 'Is the tone appropriate for customer-facing support? A category with a score.',
    needs: [],
    config: {
      prompt: {
        system: SYSTEM('of customer-facing communication'),
        user:
          'Classify the tone of the assistant\'s answer for a customer-facing assistant.\n' +
          '- professional: courteous, clear, appropriately warm\n- too_casual: slang, flippant or over-familiar\n- cold: curt, dismissive or robotic\n- rude: disrespectful, blaming or hostile\n\n' +
          '<user_request>\n{{input}}\n</user_request>\n\n<assistant_answer>\n{{output}}\n</assistant_answer>',
      },
      variables: { input: 'input', output: 'output' },
      output: { type: 'category', categories: ['professional', 'too_casual', 'cold', 'rude'], scores: { professional: 1, too_casual: 0.5, cold: 0.5, rude: 0 } },
    },
  }),
  judge({
    id: 'groundedness',
    name: 'Factual grounding',
    key: 'groundedness',
    description: 'Is every factual claim of the answer supported by the retrieved context? Scores 0 to 1.',
    needs: ['retriever spans whose outputs are the retrieved documents'],
    config: {
      prompt: {
        system: SYSTEM('checking answers against source documents'),
        user:
          'List the factual claims of the answer, and for each decide whether the retrieved context supports it. ' +
          'General knowledge that the context does not contradict still counts as unsupported. ' +
          'Score = supported claims / all claims (1 when the answer makes no factual claims).\n\n' +
          '<retrieved_context>\n{{context}}\n</retrieved_context>\n\n<answer>\n{{output}}\n</answer>',
      },
      variables: { context: 'retrieved_context', output: 'output' },
      output: { type: 'number', min: 0, max: 1 },
    },
  }),
  judge({
    id: 'correctness',
    name: 'Correctness against a reference',
    key: 'correctness',
    description: 'Does the answer agree with the reference answer? True or false.',
    needs: ["the example's outputs (experiment runs) or trace.metadata.reference (or change the variable to `correction` to use reviewer corrections)"],
    config: {
      prompt: {
        system: SYSTEM('grading answers against a reference'),
        user:
          'Decide whether the answer is correct given the reference answer. It is correct when it states the same facts and conclusions as the reference; ' +
          'wording, order and extra harmless detail do not matter; a contradiction or a missing key fact makes it incorrect.\n\n' +
          '<question>\n{{input}}\n</question>\n\n<reference_answer>\n{{reference}}\n</reference_answer>\n\n<answer>\n{{output}}\n</answer>',
      },
      variables: { input: 'input', output: 'output', reference: 'example.outputs|trace.metadata.reference' },
      output: { type: 'boolean' },
    },
  }),
  judge({
    id: 'criteria',
    name: 'Criteria (per example)',
    key: 'criteria',
    description: "Does the answer meet this trace's own success criteria? Scores 0 to 1.",
    needs: ["the example's criteria (experiment runs) or trace.metadata.criteria: the success criteria of this conversation, in words"],
    config: {
      prompt: {
        system: SYSTEM('checking answers against success criteria'),
        user:
          'Check the conversation against each success criterion below. Score = criteria met / all criteria.\n\n' +
          '<criteria>\n{{criteria}}\n</criteria>\n\n<conversation>\n{{trajectory}}\n</conversation>\n\n<final_answer>\n{{output}}\n</final_answer>',
      },
      variables: { criteria: 'example.criteria|trace.metadata.criteria', trajectory: 'trajectory', output: 'output' },
      output: { type: 'number', min: 0, max: 1 },
    },
  }),
  judge({
    id: 'hallucination',
    name: 'Hallucination',
    key: 'hallucination',
    description: 'Does the answer state things that nothing in the conversation or tool results supports? True means a hallucination was found (score 1 = hallucinated).',
    needs: [],
    config: {
      prompt: {
        system: SYSTEM('detecting hallucinations in agent answers'),
        user:
          'Read the agent\'s whole trajectory: the user\'s messages, the tool results and the final answer. ' +
          'Decide whether the final answer (or any message to the user) states a fact, number, policy, booking detail or action result that is NOT supported by the conversation or tool results, ' +
          'or claims an action was done when no tool call did it.\n\n<trajectory>\n{{trajectory}}\n</trajectory>\n\n<final_answer>\n{{output}}\n</final_answer>\n\n' +
          'Verdict: true if there is at least one unsupported claim, false if everything stated is supported.',
      },
      variables: { trajectory: 'trajectory', output: 'output' },
      output: { type: 'boolean' },
    },
  }),
  judge({
    id: 'trajectory_quality',
    name: 'Trajectory quality',
    key: 'trajectory_quality',
    description: 'Did the agent call the right tools, in a sensible order, with the right arguments? Scores 0 to 1.',
    needs: [],
    config: {
      prompt: {
        system: SYSTEM('of tool-using AI agents'),
        user:
          'Evaluate the agent\'s trajectory for the user\'s request:\n' +
          '1. Right tools: did it use the tools needed, and avoid unnecessary or harmful ones?\n' +
          '2. Right order: did it gather information before acting, confirm before irreversible actions, and avoid loops?\n' +
          '3. Right arguments: are the arguments consistent with what the user said and with earlier tool results?\n' +
          'Score 1 when all three hold, 0.5 when there are minor inefficiencies or one recoverable mistake, 0 when a wrong or harmful action was taken or the task was left undone.\n\n' +
          '<user_request>\n{{input}}\n</user_request>\n\n<trajectory>\n{{trajectory}}\n</trajectory>',
      },
      variables: { input: 'input', trajectory: 'trajectory' },
      output: { type: 'number', min: 0, max: 1 },
      trajectory_max_tokens: 6000,
    },
  }),
  judge({
    id: 'conversation_resolved',
    name: 'Conversation resolved',
    key: 'conversation_resolved',
    description: "For thread rules: did the whole conversation resolve what the user came for? True or false.",
    needs: ['a thread rule (target thread), so the judge sees every turn; on a lone trace it sees one turn'],
    config: {
      prompt: {
        system: SYSTEM('of multi-turn conversations between users and AI assistants'),
        user:
          'Read the whole conversation and decide whether the assistant resolved what the user came for by the end of it. ' +
          'Resolved means the user\'s goal was met (or correctly and politely declined when it could not be met) without the user having to give up, repeat themselves needlessly, or be misled. ' +
          'Judge the outcome of the conversation as a whole, not any single turn.\n\n<conversation>\n{{conversation}}\n</conversation>',
      },
      variables: { conversation: 'conversation' },
      output: { type: 'boolean' },
      trajectory_max_tokens: 6000,
    },
  }),
  {
    id: 'expected_tool_calls',
    name: 'Expected tool calls',
    key: 'expected_tool_calls',
    kind: 'code',
    description: "Were all of this trace's expected tool calls made with matching arguments (extra calls allowed)? The tau-bench style check.",
    needs: ["the example's expected_trajectory (experiment runs) or trace.metadata.expected_actions: a list of {name, args|kwargs}"],
    target: { type: 'trace' },
    config: { type: 'code', check: 'tool_sequence', expected_from: 'example.expected_trajectory|trace.metadata.expected_actions', mode: 'superset', args_match: 'subset' },
  },
  {
    id: 'error_free',
    name: 'No failed steps',
    key: 'error_free',
    kind: 'code',
    description: 'No span of the trace failed.',
    needs: [],
    target: { type: 'trace' },
    config: { type: 'code', check: 'error_free' },
  },
  {
    id: 'no_loops',
    name: 'No tool loops',
    key: 'no_loops',
    kind: 'code',
    description: 'No tool is called with the same arguments more than twice.',
    needs: [],
    target: { type: 'trace' },
    config: { type: 'code', check: 'no_loops', max_identical_calls: 2 },
  },
  {
    id: 'valid_json_output',
    name: 'Valid JSON output',
    key: 'valid_json',
    kind: 'code',
    description: 'The output is valid JSON.',
    needs: [],
    target: { type: 'trace' },
    config: { type: 'code', check: 'json_valid', value: 'output' },
  },
];

/** A template by id. */
export function findTemplate(id: string): EvaluatorTemplate | undefined {
  return EVALUATOR_TEMPLATES.find((t) => t.id === id);
}
