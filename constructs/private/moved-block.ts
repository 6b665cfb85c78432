import { Construct, TerraformElement, type TerraformResource } from '../../lib/cdktf';

/**
 * A `moved` block from an address that older output used to a resource of ours. Not cdktf's `moveFromId`: any
 * move makes cdktf validate the local Terraform binary's version at every synth (`terraform version`), so a synth
 * on a machine without Terraform (a CI job that only snapshots the output) failed.
 */
export class MovedBlock extends TerraformElement {
  constructor(
    scope: Construct,
    id: string,
    private readonly move: { readonly from: string; readonly to: TerraformResource },
  ) {
    super(scope, id);
  }

  override toTerraform(): Record<string, unknown> {
    return { moved: [{ to: `${this.move.to.terraformResourceType}.${this.move.to.friendlyUniqueId}`, from: this.move.from }] };
  }
}
