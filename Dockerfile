# syntax=docker/dockerfile:1
# Build: docker build -t pmf-api .
# Run:   docker run -p 8000:8000 -e PMF_DATABASE_URL=postgresql+asyncpg://... -e PMF_JWT_SECRET=... \
#          -e PMF_ENVIRONMENT=production -e PMF_MIGRATE_ON_START=1 pmf-api

FROM python:3.11-slim AS build
WORKDIR /build
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install .

FROM python:3.11-slim AS runtime
RUN groupadd --system pmf && useradd --system --gid pmf --home /app pmf
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY alembic.ini ./
COPY migrations ./migrations
COPY docker/entrypoint.sh /usr/local/bin/pmf-entrypoint
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PMF_HOST=0.0.0.0 \
    PMF_PORT=8000 \
    PMF_DATABASE_URL=sqlite+aiosqlite:////app/data/pmf.db
RUN mkdir -p /app/data && chown -R pmf:pmf /app
USER pmf
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"
ENTRYPOINT ["pmf-entrypoint"]
CMD ["uvicorn", "pmf_api.main:create_app", "--factory", "--host", "0.0.0.0", "--port", "8000", "--proxy-headers", "--no-access-log", "--no-server-header"]
