# One live node. Alone it runs the embedded store (state in /data);
# with LIVE_REDIS_URL it joins the nodes sharing that Redis.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY live ./live
COPY templates ./templates
COPY static ./static
RUN pip install --no-cache-dir -e .
ENV LIVE_HOST=0.0.0.0 LIVE_PORT=8080 LIVE_DATA_DIR=/data
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/readyz')"
STOPSIGNAL SIGTERM
CMD ["live", "serve"]
