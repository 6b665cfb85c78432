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
    totalTokens: 'litellm_total_tokens_metric_total',
    teamBudgetRemaining: 'litellm_remaining_team_budget_metric',
    teamBudgetMax: 'litellm_team_max_budget_metric',
    latencyBucket: 'litellm_request_total_latency_metric_bucket',
  },
  dcgm: {
    /** Whole GPUs only: dcgm-exporter reports no DCGM_FI_DEV_GPU_UTIL for MIG instances. */
    utilisation: 'DCGM_FI_DEV_GPU_UTIL',
    /**
     * Graphics-engine activity (0-1), per GPU and per MIG instance (labels GPU_I_PROFILE, GPU_I_ID): a profiling (DCP)
     * metric, enabled by the collector file the GPU Operator runs the exporter with (dcp-metrics-included.csv).
     */
    graphicsEngineActive: 'DCGM_FI_PROF_GR_ENGINE_ACTIVE',
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
  /** cert-manager's own metric (no upstream list in shared/; tested by name only). */
  certManager: { expiration: 'certmanager_certificate_expiration_timestamp_seconds' },
  /**
   * kube-state-metrics (kube-prometheus-stack's subchart, on by default): the replicas a StatefulSet wants. No upstream
   * list in shared/; kube-prometheus-stack 88.5.3's own rules read it (templates/prometheus/rules-1.14/kubernetes-apps.yaml).
   */
  kubeStateMetrics: {
    statefulSetReplicas: 'kube_statefulset_replicas',
    /** A pod's Ready condition (label condition="true" is 1 while Ready), as KubePodNotReady in the same rules file reads it. */
    podStatusReady: 'kube_pod_status_ready',
    /**
     * What each container requests (`resource` sanitised: nvidia_com_gpu, nvidia_com_mig_3g_40gb) and each pod's
     * phase: the cost rules count the GPUs running pods hold. Read the same way by kube-prometheus-stack 88.5.3's
     * own rules (templates/prometheus/rules-1.14/k8s.rules.container_resource.yaml).
     */
    podResourceRequests: 'kube_pod_container_resource_requests',
    podStatusPhase: 'kube_pod_status_phase',
  },
} as const;
