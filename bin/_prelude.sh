# shellcheck shell=bash
# Sourced by the service scripts. They run from the repository root so that
# `alignment` is importable, and use ./.venv when no virtualenv is active: the
# Docker image has no ./.venv and puts its own on PATH instead.
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
if [[ -z "${VIRTUAL_ENV:-}" && -x .venv/bin/python ]]; then
  PATH="$PWD/.venv/bin:$PATH"
  export PATH
fi
