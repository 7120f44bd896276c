# syntax=docker/dockerfile:1
# One image for every Raison service: web (the default command), worker, beat
# and the one-shot migrate; docker-compose.yml picks the command.

# --- build: dependencies, translations and static files -------------------------
FROM python:3.11-slim AS build

ENV PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH

# gettext only compiles the .po catalogues; the final image does without it.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

RUN python -m venv /opt/venv
WORKDIR /app
# Requirements before the code, so editing code does not reinstall packages.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# Settings refuse to load in production without a key; these two commands sign
# nothing, so a throwaway one is enough and never reaches the final image.
RUN export RAISON_ENV=production ALLOWED_HOSTS=build.invalid SECRET_KEY=docker-build-only-not-a-secret-0123456789abcdefghijkl \
    && python manage.py compilemessages --verbosity 0 \
    && python manage.py collectstatic --noinput --verbosity 0 \
    && python -m compileall -q raison org objectives practices alignment

# --- runtime ---------------------------------------------------------------------
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    RAISON_ENV=production \
    GUNICORN_BIND=0.0.0.0:8000

RUN useradd --system --user-group --create-home --uid 10001 raison

# The code stays owned by root: the app user can run it but not rewrite it.
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
WORKDIR /app

USER raison
EXPOSE 8000
CMD ["bin/web"]
