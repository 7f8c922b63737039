FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY src ./src
COPY connectors ./connectors
COPY migrations ./migrations
COPY mappings ./mappings
RUN pip install --no-cache-dir . && useradd --create-home hub
USER hub
EXPOSE 8000
CMD ["hub", "serve", "--host", "0.0.0.0", "--port", "8000"]
