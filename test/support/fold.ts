/**
 * The folding of large repeated blobs in the per-environment snapshots lives in the source (bin/lib/snapshot.ts),
 * shared with `inference-stack snapshot`; re-exported here for the tests that read it.
 */
export { DASHBOARD_LABEL, DASHBOARD_SNAPSHOTS, dashboardVariables, foldBlobs } from '../../bin/lib/snapshot';
