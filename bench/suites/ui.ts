/** The review UI in headless Chromium: a 10,000-span trace and a 100-row table (issue 4). */
import { scriptSuite } from '../lib/script-suite.ts';

export const suite = scriptSuite('ui', 'ui.ts', '10,000-span trace open-to-interactive and 100-row table script time in Chromium', 80);
