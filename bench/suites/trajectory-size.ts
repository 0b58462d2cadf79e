/** Token size of the trajectory rendering of the 10 longest tau-bench traces (issue 7). */
import { scriptSuite } from '../lib/script-suite.ts';

export const suite = scriptSuite('trajectory', 'trajectory-size.ts', 'rendering size of the 10 longest tau-bench traces, default and --max-tokens 2000, against raw JSON', 50);
