#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The jobs of the CI examples (docs/ci/github-actions.yml, gitlab-ci.yml)
# as the CI system would run them, so that a test runs exactly their
# commands (tests/integration/netns-sites.sh) and they cannot drift apart:
#   ci-jobs.py github|gitlab FILE matrix
#       the rollout job's matrix: one "SITE SHARD" line per job
#   ci-jobs.py github|gitlab FILE rollout SITE SHARD
#   ci-jobs.py github|gitlab FILE report
#       one JSON object: "script" (bash, run in the job's directory with
#       the CI system's options: GitHub's bash -eo pipefail, GitLab's
#       stop at the first failing line), "env" (the job's variables, with
#       secrets as "$SECRET_NAME", taken from the environment), and the
#       files it hands on: "artifacts" {"name", "paths"} of a rollout job
#       (GitLab: also "junit"), "download" {"pattern", "path"} of the
#       GitHub report job.
# Expressions and variables other than the matrix's, the job's own and
# the secrets are refused (exit 1): the test must know every value.
import json
import re
import sys

import yaml


def fail(msg):
    sys.exit("ci-jobs.py: %s" % msg)


def github_expr(text, values):
    """${{ a.b }} replaced from values; secrets.X becomes $SECRET_X."""
    def one(m):
        key = m.group(1).strip()
        if key.startswith("secrets."):
            return "$SECRET_" + key[len("secrets."):]
        if key not in values:
            fail("unknown expression ${{ %s }}" % key)
        return str(values[key])
    return re.sub(r"\$\{\{(.*?)\}\}", one, str(text))


def gitlab_vars(text, values):
    """$VAR and ${VAR} of values replaced; others left to the shell."""
    def one(m):
        key = m.group(1) or m.group(2)
        return str(values[key]) if key in values else m.group(0)
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", one, str(text))


def github_steps(job, values, action):
    """The job's run steps (expressions replaced) as one script, and the
    "with" of its one step that uses action."""
    runs = [github_expr(s["run"], values) for s in job["steps"]
            if "run" in s]
    uses = [s["with"] for s in job["steps"]
            if str(s.get("uses", "")).startswith(action + "@")]
    if len(uses) != 1:
        fail("not one %s step" % action)
    return "\n".join(runs), uses[0]


def github(doc, what, args):
    jobs = doc["jobs"]
    if what == "matrix":
        m = jobs["rollout"]["strategy"]["matrix"]
        return "".join("%s %s\n" % (s, k) for s in m["site"]
                       for k in m["shard"])
    if what == "rollout":
        job = jobs["rollout"]
        site, shard = args
        values = {"matrix.site": site, "matrix.shard": shard}
        env = {}
        for k, v in job.get("env", {}).items():
            env[k] = github_expr(v, values)
            values["env." + k] = env[k]
        script, up = github_steps(job, values, "actions/upload-artifact")
        art = {"name": github_expr(up["name"], values),
               "paths": github_expr(up["path"], values).split()}
        return {"env": env, "script": script, "artifacts": art}
    if what == "report":
        script, dl = github_steps(jobs["report"], {},
                                  "actions/download-artifact")
        return {"env": {}, "script": script,
                "download": {"pattern": dl["pattern"], "path": dl["path"]}}
    fail("what? %s" % what)


def gitlab(doc, what, args):
    if what == "matrix":
        out = ""
        for m in doc["rollout"]["parallel"]["matrix"]:
            out += "".join("%s %s\n" % (s, k) for s in m["SITE"]
                           for k in m["SHARD"])
        return out
    if what == "rollout":
        job = doc["rollout"]
        site, shard = args
        values = {"SITE": site, "SHARD": shard}
        env = dict(values)
        for k, v in job.get("variables", {}).items():
            env[k] = gitlab_vars(v, values)
            values[k] = env[k]
        art = job["artifacts"]
        return {"env": env, "script": "\n".join(job["script"]),
                "artifacts": {
                    "paths": [gitlab_vars(p, values) for p in art["paths"]],
                    "junit": gitlab_vars(art["reports"]["junit"], values)}}
    if what == "report":
        job = doc["report"]
        return {"env": {}, "script": "\n".join(job["script"])}
    fail("what? %s" % what)


def main():
    if len(sys.argv) < 4 or sys.argv[1] not in ("github", "gitlab"):
        fail("usage: ci-jobs.py github|gitlab FILE matrix|rollout|report")
    with open(sys.argv[2]) as f:
        doc = yaml.safe_load(f)
    out = (github if sys.argv[1] == "github" else gitlab)(
        doc, sys.argv[3], sys.argv[4:])
    if isinstance(out, str):
        sys.stdout.write(out)
        return
    # GitHub runs a step with bash -eo pipefail; GitLab stops at the
    # first failing line of script
    prefix = "set -eo pipefail\n" if sys.argv[1] == "github" else "set -e\n"
    out["script"] = prefix + out["script"] + "\n"
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


main()
