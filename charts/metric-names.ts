/**
 * The metric series our alert rules and dashboards read, by the exporter that exposes them. Each exists in the
 * upstream metric list of the version we pin (../shared/upstream/metrics/): tested.
 */
export const METRICS = {
  prometheus: { up: 'up' },
  vllm: {
    running: 'vllm:num_requests_running',
    waiting: 'vllm:num_requests_waiting',
    kvCacheUsage: 'vllm:kv_cache_usage_perc',
    ttftBucket: 'vllm:time_to_first_token_seconds_bucket',
    e2eLatencyBucket: 'vllm:e2e_request_latency_seconds_bucket',
    queueTimeBucket: 'vllm:request_queue_time_seconds_bucket',
    promptTokens: 'vllm:prompt_tokens_total',
    generationTokens: 'vllm:generation_tokens_total',
    requestSuccess: 'vllm:request_success_total',
  },
  tgi: {
    queue: 'tgi_queue_size',
    requestDurationBucket: 'tgi_request_duration_bucket',
    requestCount: 'tgi_request_count',
    requestFailure: 'tgi_request_failure',
  },
  tei: {
    queue: 'te_queue_size',
    requestDurationBucket: 'te_request_duration_bucket',
    requestCount: 'te_request_count',
  },
  litellm: {
    requests: 'litellm_proxy_total_requests_metric_total',
    failedRequests: 'litellm_proxy_failed_requests_metric_total',
    deploymentRequests: 'litellm_deployment_total_requests_total',
    deploymentFailures: 'litellm_deployment_failure_responses_total',
    spend: 'litellm_spend_metric_total',
    teamBudgetRemaining: 'litellm_remaining_team_budget_metric',
    teamBudgetMax: 'litellm_team_max_budget_metric',
    latencyBucket: 'litellm_request_total_latency_metric_bucket',
  },
  dcgm: {
    utilisation: 'DCGM_FI_DEV_GPU_UTIL',
    memoryUsed: 'DCGM_FI_DEV_FB_USED',
    memoryFree: 'DCGM_FI_DEV_FB_FREE',
    temperature: 'DCGM_FI_DEV_GPU_TEMP',
    power: 'DCGM_FI_DEV_POWER_USAGE',
    xidErrors: 'DCGM_FI_DEV_XID_ERRORS',
    rowRemapFailure: 'DCGM_FI_DEV_ROW_REMAP_FAILURE',
    uncorrectableRemappedRows: 'DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS',
  },
  qdrant: {
    restDurationBucket: 'rest_responses_duration_seconds_bucket',
    points: 'collection_points',
  },
  caddy: {
    durationCount: 'caddy_http_request_duration_seconds_count',
  },
  /** cert-manager's own metric (no upstream list in shared/; the one exception, tested by name only). */
  certManager: { expiration: 'certmanager_certificate_expiration_timestamp_seconds' },
} as const;
