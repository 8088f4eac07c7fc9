# syntax=docker/dockerfile:1
#
# mmp-gateway image: `docker build -t mmp-gateway .`
# Two stages so the runtime image carries no compiler, no dev dependencies and no TypeScript sources.

# The current Node.js LTS line. The gateway also runs on 20.19+ (what CI tests on) and 22.
ARG NODE_IMAGE=node:24-bookworm-slim

# ---- build: compile TypeScript, build better-sqlite3's native addon, prune to production deps ----
FROM ${NODE_IMAGE} AS build
# better-sqlite3 compiles from source when no prebuilt binary matches this Node/glibc.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app

# Dependencies first, so the layer is reused while only sources change. Install scripts are off (the
# `prepare` build needs the sources, which are not here yet); the one native addon is built explicitly.
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3

COPY tsconfig.json tsconfig.build.json schema.graphql ./
COPY scripts ./scripts
COPY src ./src
# The operator console (React + Vite), built into dist/console and served at /console/.
COPY console ./console
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# ---- runtime ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    NODE_OPTIONS=--enable-source-maps \
    HOST=0.0.0.0 \
    PORT=4000 \
    DATABASE_URL=sqlite:/data/gateway.sqlite

# A fixed numeric uid, so orchestrators can check runAsNonRoot and volumes can be chowned ahead of time.
RUN groupadd --system --gid 10001 gateway \
 && useradd --system --uid 10001 --gid gateway --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin gateway \
 && mkdir /data && chown gateway:gateway /data

WORKDIR /app
# Owned by root and not writable by the service user: a compromised process cannot alter its own code.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist

USER 10001:10001
# Only used with the default SQLite database; with PostgreSQL the container is stateless.
VOLUME ["/data"]
EXPOSE 4000

# No curl in the slim image: Node's fetch does the probe. /healthz means "the process serves HTTP";
# load balancers should route on /readyz (database reachable, migrations applied).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/healthz',{signal:AbortSignal.timeout(2000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# Node is PID 1 and handles SIGTERM itself (drains in-flight requests and their audit writes).
CMD ["node", "dist/cli/main.js", "serve"]
