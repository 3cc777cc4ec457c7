# elasticache-local: the emulator with real redis-server and memcached from Debian, and
# haproxy as the data path of replication group endpoints. Node 24 is the current LTS line
# (the package itself runs on Node 20 and later).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY src ./src
COPY fixtures ./fixtures
# npm ci runs the `prepare` script, which compiles src/ to dist/.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

FROM node:24-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends redis-server memcached haproxy tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/fixtures ./fixtures
# `elasticache-local` on the PATH: `docker exec <container> elasticache-local endpoints`.
RUN chmod +x dist/cli.js && ln -s /app/dist/cli.js /usr/local/bin/elasticache-local \
 && mkdir -p /data && chown node:node /data
USER node
ENV ELASTICACHE_LOCAL_HOST=0.0.0.0 \
    ELASTICACHE_LOCAL_NODE_HOST=0.0.0.0 \
    ELASTICACHE_LOCAL_PORT=4510 \
    ELASTICACHE_LOCAL_NODE_PORTS=21000-21099 \
    ELASTICACHE_LOCAL_DATA_DIR=/data
EXPOSE 4510 21000-21099
# Healthy means provisioned: /_emulator/health answers 503 until every entry of the init file
# (ELASTICACHE_LOCAL_INIT) is available; the start period covers that provisioning.
HEALTHCHECK --interval=3s --timeout=3s --start-period=120s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.ELASTICACHE_LOCAL_PORT}/_emulator/health`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# tini forwards SIGTERM so that `docker stop` stops every engine before the container ends.
ENTRYPOINT ["tini", "--", "node", "dist/cli.js"]
