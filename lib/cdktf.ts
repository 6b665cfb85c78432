/**
 * The one place that imports CDK for Terraform's core library (with `bindings.ts` for the provider bindings).
 * CDKTF was archived upstream in Dec 2025; its community fork is CDK Terrain (`cdktn`). Moving there is a rename
 * of the module names in these two files.
 */
export {
  App,
  AzurermBackend,
  GcsBackend,
  LocalBackend,
  S3Backend,
  TerraformBackend,
  TerraformElement,
  TerraformRemoteState,
  TerraformStack,
  Testing,
  type DataTerraformRemoteStateConfig,
  type ITerraformDependable,
  TerraformResource,
} from 'cdktf';
export { Construct } from 'constructs';
