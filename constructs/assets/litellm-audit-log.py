"""One JSON line per gateway request on stdout: the audit record the log shipper forwards to the SIEM.

LiteLLM imports this file as a callback (`litellm_settings.callbacks: ["audit_log.audit_logger"]`): the proxy loads
`<module>.py` from the directory of its config file (get_instance_fn in litellm/proxy/types_utils/utils.py), so it
is mounted beside /etc/litellm/config.yaml. Each success and failure event carries LiteLLM's standard logging
payload (kwargs["standard_logging_object"], StandardLoggingPayload in litellm/types/utils.py); the record keeps who
(team, key alias and hash, user, end user), which model (group, deployment, self-hosted or hosted), tokens, cost,
status and error class, latency, cache hit and the guardrails' outcome. Never the key itself; prompts and
responses only when AUDIT_LOG_PROMPT_BODIES is "true".

A logging callback must not break a request: every error is caught and reported as a warning on stderr, and the
handlers only print (no I/O that waits on the network).
"""
import datetime
import json
import os
import sys

from litellm.integrations.custom_logger import CustomLogger

RECORD_TYPE = "litellm.audit"


def _truthy(name):
    return os.environ.get(name, "").strip().lower() == "true"


def _self_hosted_groups():
    try:
        groups = json.loads(os.environ.get("AUDIT_SELF_HOSTED_MODEL_GROUPS", "[]"))
        return frozenset(g for g in groups if isinstance(g, str))
    except Exception:  # noqa: BLE001 - a bad value must not stop the proxy
        return frozenset()


def _iso(epoch):
    if not isinstance(epoch, (int, float)) or isinstance(epoch, bool):
        return None
    return datetime.datetime.fromtimestamp(epoch, tz=datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _guardrails(info):
    # A list since LiteLLM 1.7x; one dict in older releases.
    items = info if isinstance(info, list) else [info] if isinstance(info, dict) else []
    out = []
    for g in items:
        if not isinstance(g, dict):
            continue
        out.append({
            "name": g.get("guardrail_name"),
            "provider": g.get("guardrail_provider"),
            "mode": g.get("guardrail_mode"),
            "status": g.get("guardrail_status"),
            "action": g.get("guardrail_action"),
            "masked_entity_count": g.get("masked_entity_count"),
            "duration_s": g.get("duration"),
        })
    return out


def audit_record(payload, log_bodies=False, self_hosted=frozenset()):
    """The audit record of one standard logging payload (a dict), as a dict."""
    meta = payload.get("metadata") or {}
    error = payload.get("error_information") or {}
    start, end = payload.get("startTime"), payload.get("endTime")
    latency = None
    if isinstance(start, (int, float)) and isinstance(end, (int, float)):
        latency = round((end - start) * 1000, 1)
    group = payload.get("model_group")
    record = {
        "type": RECORD_TYPE,
        "time": _iso(end) or _iso(start),
        "request_id": payload.get("id"),
        "trace_id": payload.get("trace_id"),
        "call_type": payload.get("call_type"),
        "team_id": meta.get("user_api_key_team_id"),
        "team_alias": meta.get("user_api_key_team_alias"),
        "key_alias": meta.get("user_api_key_alias"),
        # LiteLLM's hash of the key (what its spend logs store), never the key.
        "key_hash": meta.get("user_api_key_hash"),
        "user": meta.get("user_api_key_user_id"),
        "end_user": payload.get("end_user") or meta.get("user_api_key_end_user_id"),
        "model_group": group,
        "model": payload.get("model"),
        "model_id": payload.get("model_id"),
        "provider": payload.get("custom_llm_provider"),
        "deployment": None if group is None else ("self-hosted" if group in self_hosted else "hosted"),
        "prompt_tokens": payload.get("prompt_tokens"),
        "completion_tokens": payload.get("completion_tokens"),
        "total_tokens": payload.get("total_tokens"),
        "cost": payload.get("response_cost"),
        "status": payload.get("status"),
        "error_class": error.get("error_class"),
        "error_code": error.get("error_code"),
        "latency_ms": latency,
        "cache_hit": payload.get("cache_hit"),
        "guardrails": _guardrails(payload.get("guardrail_information")),
    }
    if log_bodies:
        record["messages"] = payload.get("messages")
        record["response"] = payload.get("response")
    return record


class AuditLogger(CustomLogger):
    """Prints the audit record of every request, success or failure, as one JSON line."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.log_bodies = _truthy("AUDIT_LOG_PROMPT_BODIES")
        self.self_hosted = _self_hosted_groups()

    def _emit(self, kwargs):
        try:
            payload = (kwargs or {}).get("standard_logging_object")
            if not isinstance(payload, dict):
                return
            line = json.dumps(audit_record(payload, self.log_bodies, self.self_hosted), default=str, separators=(",", ":"))
            print(line, flush=True)
        except Exception as e:  # noqa: BLE001 - never fail the request for its log line
            try:
                print(f"WARNING audit_log: record not written: {type(e).__name__}: {e}", file=sys.stderr, flush=True)
            except Exception:  # noqa: BLE001
                pass

    async def async_log_success_event(self, kwargs, response_obj, start_time, end_time):
        self._emit(kwargs)

    async def async_log_failure_event(self, kwargs, response_obj, start_time, end_time):
        self._emit(kwargs)


audit_logger = AuditLogger()
