/**
 * Pages Function for every path _routes.json routes to Functions (the API paths only):
 * forwards them to the Loupe Worker. See ../edge/api-forward.ts.
 */
import { forwardToWorker, type ForwardContext } from '../edge/api-forward.ts';

export const onRequest = (context: ForwardContext) => forwardToWorker(context);
