/** A collection of the vector store, as the stores need it: resolved dimension, distance, index settings. */
export interface VectorCollection {
  readonly name: string;
  readonly dimension: number;
  readonly distance: 'cosine' | 'dot' | 'euclid';
}

export interface HnswSettings {
  readonly m: number;
  readonly efConstruct: number;
}
