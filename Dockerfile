# The component's Celery worker (and, with another command, its beat scheduler).
#   docker build -t amazon-mws .
#   docker run --rm -e REDIS_URL=redis://redis:6379/0 amazon-mws            # a worker
#   docker compose up                                                       # redis + worker + beat
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LOG_LEVEL=INFO

# A user without a login shell or a home worth attacking; the worker needs no privileges.
RUN groupadd --system app && useradd --system --gid app --home-dir /app --shell /usr/sbin/nologin app

WORKDIR /src
# The packaging inputs only: the wheel carries component.json, schemas/, triggers/, actions/ and
# verifyCredentials.py as amazon_mws/_component/ (see pyproject.toml), so nothing else is needed at run time.
COPY pyproject.toml README.md component.json verifyCredentials.py ./
COPY lib ./lib
COPY schemas ./schemas
COPY triggers ./triggers
COPY actions ./actions
RUN pip install . && rm -rf /src

WORKDIR /app
USER app
# Feeds' XSDs are optional (AMAZON_XSD_DIR): mount them read-only to validate feeds before sending.
CMD ["amazon-mws", "worker"]
