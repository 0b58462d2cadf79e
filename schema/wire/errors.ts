/** The one error shape every route answers with. */
import { z } from 'zod';

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().meta({ example: 'invalid_request' }),
      message: z.string(),
      path: z.string().optional().meta({ description: 'The offending field, e.g. spans[3].start_time or q' }),
      position: z.number().optional().meta({ description: 'For filter errors: 0-based offset into q' }),
      end: z.number().optional().meta({ description: 'For filter errors: 0-based offset into q where the offending text ends' }),
    }),
  })
  .meta({ id: 'Error' });
export type ErrorBody = z.infer<typeof ErrorBody>;

/** One rejected item of a batch. */
export const ItemError = z
  .object({ index: z.number(), id: z.string().nullable(), path: z.string(), message: z.string() })
  .meta({ id: 'ItemError' });
export type ItemError = z.infer<typeof ItemError>;

/** The answer to a batch post: accepted ids and per-item rejections. */
export const BatchAccepted = z
  .object({ accepted: z.array(z.string()), rejected: z.array(ItemError) })
  .meta({ id: 'BatchAccepted' });
