"""GPU readiness gate for Inference Stack: waits until every node of a GPU pool reports, as allocatable, the GPU
resources the pool promises (driver installed, MIG partitioned, device plugin registered), then exits 0. At
its timeoutSeconds, or as soon as the MIG manager reports a failure, it exits non-zero naming each node that is not
ready, what it reports and where to look. Reads nodes only (get); no GPU needed.

Environment: SPEC, a JSON file with pool, nodes, resource (an extended resource, or "nvidia.com/mig-*": every MIG
slice counted together), expectedPerNode, migConfig (the nvidia.com/mig.config value of a MIG pool), timeoutSeconds,
pollSeconds; KUBERNETES_API, TOKEN_FILE, CA_FILE (default: the in-cluster API and the pod's ServiceAccount token).
"""
import json
import os
import ssl
import sys
import time
import urllib.error
import urllib.request

SA = "/var/run/secrets/kubernetes.io/serviceaccount"
API = os.environ.get("KUBERNETES_API", "https://kubernetes.default.svc").rstrip("/")
TOKEN_FILE = os.environ.get("TOKEN_FILE", f"{SA}/token")
CA_FILE = os.environ.get("CA_FILE", f"{SA}/ca.crt")
with open(os.environ["SPEC"], encoding="utf-8") as spec_file:
    SPEC = json.load(spec_file)
POOL = SPEC["pool"]
NODES = SPEC["nodes"]
RESOURCE = SPEC["resource"]
EXPECTED = int(SPEC["expectedPerNode"])
MIG_CONFIG = SPEC.get("migConfig", "")
TIMEOUT_SECONDS = int(SPEC["timeoutSeconds"])
POLL_SECONDS = float(SPEC["pollSeconds"])
MIG_STATE_LABEL = "nvidia.com/mig.config.state"


def get_node(name):
    """The Node object, None when it does not exist; raises OSError on API trouble (retried by the caller)."""
    with open(TOKEN_FILE, encoding="utf-8") as f:
        token = f.read().strip()
    req = urllib.request.Request(f"{API}/api/v1/nodes/{name}", headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
    context = ssl.create_default_context(cafile=CA_FILE) if API.startswith("https:") else None
    try:
        with urllib.request.urlopen(req, timeout=30, context=context) as res:
            return json.loads(res.read())
    except urllib.error.HTTPError as err:
        if err.code == 404:
            return None
        if err.code in (401, 403):
            sys.exit(f"pool {POOL}: the API refused to read node {name} (HTTP {err.code}); the gate's ServiceAccount needs get on nodes")
        raise OSError(f"HTTP {err.code}") from err


def quantity(value):
    try:
        return int(str(value))
    except ValueError:
        return 0


def allocatable(node):
    alloc = node.get("status", {}).get("allocatable", {}) or {}
    if RESOURCE.endswith("*"):
        prefix = RESOURCE[:-1]
        return sum(quantity(v) for k, v in alloc.items() if k.startswith(prefix))
    return quantity(alloc.get(RESOURCE, 0))


def check(name):
    """(ready, failed, what the node reports)."""
    node = get_node(name)
    if node is None:
        return False, False, "does not exist (is the name in the environment right?)"
    labels = node.get("metadata", {}).get("labels", {}) or {}
    have = allocatable(node)
    what = f"{have} of {EXPECTED} {RESOURCE} allocatable"
    if MIG_CONFIG:
        state = labels.get(MIG_STATE_LABEL, "(none)")
        what += f", nvidia.com/mig.config={labels.get('nvidia.com/mig.config', '(none)')}, {MIG_STATE_LABEL}={state}"
        if state == "failed":
            return False, True, what
        return have >= EXPECTED and state == "success" and labels.get("nvidia.com/mig.config") == MIG_CONFIG, False, what
    return have >= EXPECTED, False, what


def main():
    deadline = time.monotonic() + TIMEOUT_SECONDS
    last = {}
    print(f"pool {POOL}: waiting up to {TIMEOUT_SECONDS} s for {EXPECTED} {RESOURCE} allocatable on each of {len(NODES)} nodes", flush=True)
    while True:
        pending = {}
        for name in NODES:
            try:
                ready, failed, what = check(name)
            except OSError as err:
                ready, failed, what = False, False, f"not read: {err}"
            if failed:
                sys.exit(f"pool {POOL}: node {name}: the MIG manager failed to apply {MIG_CONFIG} ({what}); "
                         f"see kubectl -n gpu-operator logs -l app=nvidia-mig-manager on that node")
            if not ready:
                pending[name] = what
            if last.get(name) != what:
                print(f"pool {POOL}: node {name}: {what}{'' if not ready else ' - ready'}", flush=True)
                last[name] = what
        if not pending:
            print(f"pool {POOL}: all {len(NODES)} nodes ready", flush=True)
            return
        if time.monotonic() >= deadline:
            detail = "; ".join(f"{n}: {w}" for n, w in sorted(pending.items()))
            sys.exit(f"pool {POOL}: not ready after {TIMEOUT_SECONDS} s: {detail}. Check the GPU Operator's pods on those nodes "
                     f"(kubectl -n gpu-operator get pods -o wide: driver, container toolkit, device plugin, MIG manager) "
                     f"and kubectl describe node for the GPU resources")
        time.sleep(POLL_SECONDS)


if __name__ == "__main__":
    main()
