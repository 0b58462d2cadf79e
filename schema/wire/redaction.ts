/** PII redaction at ingest (workers/store/redaction): GET/PUT /v1/redaction. Reference: docs/redaction.md. */
import { z } from 'zod';

/** Built-in detectors, in the order they win overlapping matches. */
export const REDACTION_DETECTORS = ['secret', 'email', 'iban', 'card', 'ssn', 'ip', 'phone'] as const;

/** At most this many custom patterns per project: each one runs over every string of every span. */
export const MAX_CUSTOM_PATTERNS = 20;

const CustomPattern = z
  .object({
    name: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,39}$/, 'lowercase letters, digits and _, starting with a letter (at most 40)')
      .meta({ description: 'Shown in the mask ([CUSTOM:NAME]) and in the per-span counts' }),
    pattern: z.string().min(1).max(500).meta({ description: 'A JavaScript regular expression (no flags; matched globally). Refused when it can take exponential time.' }),
  })
  .strict();

export const RedactionIn = z
  .object({
    enabled: z.boolean().meta({ description: 'The one switch: redact every batch ingested from now on (off by default)' }),
    mode: z.enum(['mask', 'hash']).default('mask').meta({ description: 'mask replaces a value with [EMAIL]; hash with [EMAIL:<hmac>], so equal values stay equal' }),
    detectors: z
      .array(z.enum(REDACTION_DETECTORS))
      .max(REDACTION_DETECTORS.length)
      .default([...REDACTION_DETECTORS])
      .meta({ description: 'Built-in detectors to run (default: all)' }),
    custom: z.array(CustomPattern).max(MAX_CUSTOM_PATTERNS).default([]),
  })
  .strict()
  .meta({ id: 'RedactionIn', example: { enabled: true, mode: 'hash', detectors: ['email', 'phone', 'card'], custom: [{ name: 'order_id', pattern: 'ORD-\\d{8}' }] } });
export type RedactionIn = z.input<typeof RedactionIn>;

export const RedactionOut = z
  .object({
    enabled: z.boolean(),
    mode: z.enum(['mask', 'hash']),
    detectors: z.array(z.enum(REDACTION_DETECTORS)),
    custom: z.array(z.object({ name: z.string(), pattern: z.string() })),
    updated_at: z.string().nullable(),
  })
  .meta({ id: 'Redaction' });
export type RedactionOut = z.infer<typeof RedactionOut>;
