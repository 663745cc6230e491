#!/usr/bin/env bash
# Lints the committed OpenAPI document (openapi/openapi.json, which tests/api/openapi.rs proves
# equal to the served one) with Redocly CLI (`recommended`, as `recommended-strict` so that its
# warnings fail too: openapi/redocly.yaml) and Spectral (OWASP API Security + spectral:oas,
# openapi/spectral.yaml, failing on warnings). Fails on any error or warning not listed as an
# exception in those files (and Redocly's ignore file beside them), each with its reason.
#
#   tests/openapi-lint/run.sh        # after `npm ci` in tests/openapi-lint
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
openapi="$(cd "$here/../../openapi" && pwd)"
bin="$here/node_modules/.bin"
[[ -x "$bin/redocly" && -x "$bin/spectral" ]] || {
  echo "openapi-lint: run \`npm ci\` in $here first" >&2
  exit 1
}

# Redocly CLI 2 runs on Node.js 20.19 or later (Debian 12's own nodejs is 18).
node -e 'const [major, minor] = process.versions.node.split(".").map(Number);
  process.exit(major > 20 || (major === 20 && minor >= 19) ? 0 : 1)' || {
  echo "openapi-lint: Redocly CLI needs Node.js 20.19 or later, found $(node --version)" >&2
  exit 1
}

# No telemetry or update checks: CI reaches the package registries only.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true

echo "openapi-lint: Redocly CLI $("$bin/redocly" --version) (recommended, strict)"
(cd "$openapi" && "$bin/redocly" lint openapi.json --config redocly.yaml --max-problems 1000 --format stylish)
# --max-problems keeps every finding in view.

echo "openapi-lint: Spectral $("$bin/spectral" --version) (OWASP API Security, spectral:oas)"
(cd "$openapi" && "$bin/spectral" lint openapi.json --ruleset spectral.yaml --fail-severity warn --display-only-failures)
