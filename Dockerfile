# syntax=docker/dockerfile:1
# Multi-stage: build with dev dependencies, ship production dependencies only,
# run as the unprivileged `node` user. The image needs DATABASE_URL (the
# embedded PostgreSQL is a development convenience and is not installed here).
# Node 24 LTS; .ci/run proves the test suite on the same major, and .ci/image-check replays this file
# (without Docker) and runs the result as its USER: keep it to COPY, RUN, ENV, WORKDIR, USER, HEALTHCHECK, CMD.

FROM node:24-bookworm-slim AS build
WORKDIR /app
# Toolchain for native addons (the PKCS#11 binding) — build stage only.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ormconfig.ts ./
COPY src ./src
COPY scripts ./scripts
RUN npm run build && npm prune --omit=dev --omit=optional

FROM node:24-bookworm-slim
ENV NODE_ENV=production PORT=3000 HOST=0.0.0.0
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./package.json
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# SIGTERM drains in-flight requests before exiting (see SHUTDOWN_TIMEOUT_SECONDS).
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/main.js"]
