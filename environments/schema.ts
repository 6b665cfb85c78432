/**
 * The environment schema: one zod schema for every environment file, presets included.
 *
 * Two tiers: field shapes, ranges and defaults first (shapes.ts), then a cross-field pass (cross-checks.ts) that
 * adds located issues. Every message names the value and the fix; the loader adds the file and the field path.
 * The JSON Schema for editors is generated from the shapes (json-schema.ts).
 */
import type { z } from 'zod';
import { crossCheck, withDefaultReplicas } from './cross-checks';
import { EnvironmentShape } from './shapes';

export { ALERT_SEVERITIES, BACKEND_TYPES, DISTANCES, EDGE_SERVICE_TYPES, ENGINES, HOSTED_PROVIDERS, RECEIVER_TYPES, STAGES, show, type Stage } from './shapes';
export { environmentJsonSchema, environmentSchemaJsonText } from './json-schema';

/** The environment schema: shape, defaults, then the cross-field pass. */
export const EnvironmentSchema = EnvironmentShape.superRefine(crossCheck).transform((env) => withDefaultReplicas(env));

/** An environment file as written (defaults not applied). */
export type EnvironmentInput = z.input<typeof EnvironmentSchema>;
/** A validated environment with every default applied. */
export type Environment = z.output<typeof EnvironmentSchema>;
export type GpuPoolSpec = Environment['gpuPools'][number];
export type ModelServerSpec = Environment['models'][number];
export type EmbeddingSpec = Environment['embeddings'][number];
export type GatewaySpec = Environment['gateway'];
export type EdgeSpec = NonNullable<Environment['edge']>;
export type VectorStoreSpec = NonNullable<Environment['vectorStore']>;
export type ObservabilitySpec = Environment['observability'];
export type BackendSpec = Environment['backend'];
export type AlertingSpec = Environment['observability']['alerting'];
export type ReceiverSpec = AlertingSpec['receivers'][number];
