# The component's Celery worker (and, with another command, its beat scheduler).
#   docker build -t amazon-mws .
#   docker run --rm -e REDIS_URL=redis://redis:6379/0 amazon-mws            # a worker
#   docker compose up                                                       # redis + worker + beat
# The image runs workers, beat and serve (health: `amazon-mws health worker|beat|serve`) and carries Flower.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LOG_LEVEL=INFO

# A numeric non-root user (10001) with a home of its own: the worker needs no privileges, and `amazon-mws run`
# or `flow run --once` without REDIS_URL write their SQLite state under $HOME/.local (root-owned /app refused).
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid 10001 --create-home --home-dir /home/app --shell /usr/sbin/nologin app
ENV HOME=/home/app

WORKDIR /src
# The packaging inputs only: the wheel carries component.json, schemas/, triggers/, actions/ and
# verifyCredentials.py as amazon_mws/_component/ (see pyproject.toml), so nothing else is needed at run time.
COPY pyproject.toml README.md component.json verifyCredentials.py ./
COPY lib ./lib
COPY schemas ./schemas
COPY triggers ./triggers
COPY actions ./actions
RUN pip install '.[flower]' && rm -rf /src

WORKDIR /home/app
USER 10001:10001
# Feeds' XSDs are optional (AMAZON_XSD_DIR): mount them read-only to validate feeds before sending.
CMD ["amazon-mws", "worker"]
