import type { Construct } from '../lib/cdktf';

/**
 * A prop a construct cannot build from, in aws-cdk's style: the message names the construct (its path and kind),
 * the prop, the value and the fix, e.g.
 *   `stack/llama (VllmServer): props.tensorParallel: 3 does not divide the model's 32 attention heads; use 1, 2, 4 or 8`
 * Constructors throw it before they add anything to the tree.
 */
export class ConstructPropsError extends Error {
  /** The construct's path in the tree. */
  readonly constructPath: string;
  /** The construct's class, e.g. `VllmServer`. */
  readonly constructKind: string;
  /** The prop, as a path below `props` (e.g. `pool.gpu`). */
  readonly prop: string;

  /** `problem` starts with the value and ends with the fix (`<value> <what is wrong>; <what to do>`). */
  constructor(construct: Construct, kind: string, prop: string, problem: string) {
    super(`${construct.node.path} (${kind}): props.${prop}: ${problem}`);
    this.name = 'ConstructPropsError';
    this.constructPath = construct.node.path;
    this.constructKind = kind;
    this.prop = prop;
  }
}
