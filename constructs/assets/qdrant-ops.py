"""Qdrant housekeeping for Inference Stack: `collections` creates the environment's collections (and refuses a
collection whose vector size or distance drifted), `snapshot` takes a snapshot on every replica and keeps the
newest $KEEP. Idempotent; exits non-zero with the collection or replica that failed.

Environment: QDRANT_URLS (comma-separated base URLs, one per replica for `snapshot`), QDRANT_API_KEY,
SPEC (JSON file with the collections), KEEP (snapshots kept).
"""
import json
import os
import sys
import time
import urllib.error
import urllib.request

URLS = [u.rstrip("/") for u in os.environ["QDRANT_URLS"].split(",") if u]
API_KEY = os.environ.get("QDRANT_API_KEY", "")
WAIT_SECONDS = int(os.environ.get("WAIT_SECONDS", "600"))


def call(base, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method, headers={"api-key": API_KEY, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=300) as res:
            return res.status, json.loads(res.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def wait_ready(base):
    deadline = time.time() + WAIT_SECONDS
    while True:
        try:
            if call(base, "GET", "/readyz")[0] == 200:
                return
        except OSError:
            pass
        if time.time() > deadline:
            sys.exit(f"qdrant at {base} not ready after {WAIT_SECONDS} s")
        time.sleep(5)


def collections():
    with open(os.environ["SPEC"], encoding="utf-8") as f:
        spec = json.load(f)
    base = URLS[0]
    wait_ready(base)
    for c in spec["collections"]:
        name = c["name"]
        status, info = call(base, "GET", f"/collections/{name}")
        if status == 200:
            params = info["result"]["config"]["params"]["vectors"]
            if params["size"] != c["size"] or params["distance"] != c["distance"]:
                sys.exit(f"collection {name}: has {params['size']} dimensions ({params['distance']}), the environment says "
                         f"{c['size']} ({c['distance']}); re-create it under a new name and re-index")
            print(f"collection {name}: exists")
            continue
        body = {
            "vectors": {"size": c["size"], "distance": c["distance"]},
            "hnsw_config": {"m": c["m"], "ef_construct": c["ef_construct"]},
            "replication_factor": c["replication_factor"],
        }
        status, text = call(base, "PUT", f"/collections/{name}", body)
        if status >= 300:
            sys.exit(f"collection {name}: create: HTTP {status}: {str(text)[:500]}")
        print(f"collection {name}: created")


def snapshot():
    keep = int(os.environ.get("KEEP", "7"))
    for base in URLS:
        wait_ready(base)
        status, text = call(base, "POST", "/snapshots?wait=true")
        if status >= 300:
            sys.exit(f"snapshot on {base}: HTTP {status}: {str(text)[:500]}")
        status, listing = call(base, "GET", "/snapshots")
        if status >= 300:
            sys.exit(f"list snapshots on {base}: HTTP {status}")
        snaps = sorted(listing["result"], key=lambda s: s["creation_time"] or "", reverse=True)
        for old in snaps[keep:]:
            status, text = call(base, "DELETE", f"/snapshots/{old['name']}?wait=true")
            if status >= 300:
                sys.exit(f"delete snapshot {old['name']} on {base}: HTTP {status}")
        print(f"snapshot on {base}: taken, {min(len(snaps), keep)} kept")


if __name__ == "__main__":
    {"collections": collections, "snapshot": snapshot}[sys.argv[1]]()
