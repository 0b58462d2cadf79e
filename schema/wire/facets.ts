/** GET /v1/traces/facets: the vocabulary of a project, for filter autocomplete. */
import { z } from 'zod';

export const TraceFacets = z
  .object({
    tags: z.array(z.string()),
    metadata_keys: z.array(z.string()),
    feedback_keys: z.array(z.string()),
    environments: z.array(z.string()),
    releases: z.array(z.string()),
    models: z.array(z.string()),
    names: z.array(z.string()),
  })
  .meta({ id: 'TraceFacets' });
export type TraceFacets = z.infer<typeof TraceFacets>;
