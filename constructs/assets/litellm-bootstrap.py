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


def limits(item):
    return {k: item[k] for k in LIMITS if k in item}


def main():
    with open(SPEC, encoding="utf-8") as f:
        spec = json.load(f)
    wait_ready()
    for team in spec.get("teams", []):
        team_id = team["team_id"]
        body = {"team_id": team_id, "team_alias": team_id, **limits(team)}
        status, _ = call("GET", "/team/info?" + urllib.parse.urlencode({"team_id": team_id}))
        if status == 200:
            must(f"team {team_id}: update", *call("POST", "/team/update", body))
            print(f"team {team_id}: updated")
        else:
            must(f"team {team_id}: create", *call("POST", "/team/new", body))
            print(f"team {team_id}: created")
        for key in team.get("keys", []):
            alias = key["key_alias"]
            value = os.environ.get(key["env"], "")
            if not value.startswith("sk-"):
                sys.exit(f"key {alias}: the Secret behind {key['env']} must hold a key starting with sk-")
            body = {"key": value, "key_alias": alias, "team_id": team_id, **limits(key)}
            status, _ = call("GET", "/key/info?" + urllib.parse.urlencode({"key": value}))
            if status == 200:
                must(f"key {alias}: update", *call("POST", "/key/update", body))
                print(f"key {alias}: updated")
            else:
                must(f"key {alias}: create", *call("POST", "/key/generate", body))
                print(f"key {alias}: created")


if __name__ == "__main__":
    main()
