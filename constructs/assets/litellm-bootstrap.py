"""Applies the environment's teams and API keys to a LiteLLM gateway, idempotently.

Reads the spec (teams, their limits and keys; no secret values) from $BOOTSTRAP_SPEC, the master key from
$LITELLM_MASTER_KEY, and each key's value from the environment variable the spec names (set from a Secret).
Creates what is missing and updates what exists, so running it again changes nothing. Exits non-zero on the
first error, saying which team or key failed.
"""
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

BASE = os.environ.get("GATEWAY_URL", "http://litellm:4000").rstrip("/")
MASTER = os.environ["LITELLM_MASTER_KEY"]
SPEC = os.environ.get("BOOTSTRAP_SPEC", "/bootstrap/spec.json")
WAIT_SECONDS = int(os.environ.get("BOOTSTRAP_WAIT_SECONDS", "900"))
LIMITS = ("max_budget", "budget_duration", "rpm_limit", "tpm_limit", "models")


def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(BASE + path, data=data, method=method, headers={
        "Authorization": "Bearer " + MASTER,
        "Content-Type": "application/json",
    })
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            return res.status, res.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def must(what, status, text):
    if status >= 300:
        sys.exit(f"{what}: HTTP {status}: {text[:500]}")


def wait_ready():
    deadline = time.time() + WAIT_SECONDS
    while True:
        try:
            status, _ = call("GET", "/health/readiness")
            if status == 200:
                return
        except OSError:
            pass
        if time.time() > deadline:
            sys.exit(f"gateway at {BASE} not ready after {WAIT_SECONDS} s")
        time.sleep(5)


def upsert(what, info_path, update_path, create_path, body):
    """Updates the item when info_path finds it, creates it otherwise."""
    status, _ = call("GET", info_path)
    if status == 200:
        must(f"{what}: update", *call("POST", update_path, body))
        print(f"{what}: updated")
    else:
        must(f"{what}: create", *call("POST", create_path, body))
        print(f"{what}: created")


def limits(item):
    return {k: item[k] for k in LIMITS if k in item}


def main():
    with open(SPEC, encoding="utf-8") as f:
        spec = json.load(f)
    wait_ready()
    for team in spec.get("teams", []):
        team_id = team["team_id"]
        body = {"team_id": team_id, "team_alias": team_id, **limits(team)}
        upsert(f"team {team_id}", "/team/info?" + urllib.parse.urlencode({"team_id": team_id}), "/team/update", "/team/new", body)
        for key in team.get("keys", []):
            alias = key["key_alias"]
            value = os.environ.get(key["env"], "")
            if not value.startswith("sk-"):
                sys.exit(f"key {alias}: the Secret behind {key['env']} must hold a key starting with sk-")
            body = {"key": value, "key_alias": alias, "team_id": team_id, **limits(key)}
            upsert(f"key {alias}", "/key/info?" + urllib.parse.urlencode({"key": value}), "/key/update", "/key/generate", body)


if __name__ == "__main__":
    main()
