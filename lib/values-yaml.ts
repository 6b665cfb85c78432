import { stringify } from 'yaml';

/**
 * Renders Helm values as YAML with every mapping's keys sorted, so that the same values always give the same
 * bytes (snapshots stay stable whatever order a builder set its keys in).
 */
export function toValuesYaml(values: object): string {
  // No anchors and aliases: an object used twice is written twice, so the text reads the same in any order.
  return stringify(values, { sortMapEntries: true, lineWidth: 0, aliasDuplicateObjects: false });
}
