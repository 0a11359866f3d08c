# archera-well-known: the JWKS and OAuth authorization server metadata documents.
#
#   docker build -t archera-well-known:0.1.0 .
#   docker run --rm -p 3000:3000 -p 9090:9090 -e ISSUER=https://auth.example.com -e ADMIN_HOST=0.0.0.0 \
#     -v "$PWD/keys:/etc/archera/keys:ro" archera-well-known:0.1.0
#
# (The admin listener binds 127.0.0.1 unless ADMIN_HOST says otherwise; inside a container that is unreachable
# from outside, so publishing 9090 needs ADMIN_HOST. The Kubernetes Deployment sets it.)
#
# test/deploy/ checks this file against the code: the CMD against package.json's start script and the COPY
# lines, EXPOSE and ENV against src/config.ts and the Kubernetes manifests, the Node release against package.json
# engines and .ci/run, and it replays the build stage on a copy of the build context that .dockerignore leaves.

# --- build: dev dependencies (esbuild, tsx) and the one-file bundle -----------------------------------------
# Pinned to an exact Node 24 LTS release; keep both stages on the same tag, within package.json's engines, and
# equal to the release .ci/run tests the whole suite on.
FROM node:24.22.3-bookworm-slim AS build
WORKDIR /build
# The lockfile alone first, so the dependency layer is reused while only sources change.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json openapi.json ./
COPY scripts ./scripts
COPY generated ./generated
COPY src ./src
RUN npx tsx scripts/build.ts

# --- run: node, the bundle, and the two files the bundle reads at startup -----------------------------------
# The same image as the build stage: it has /bin/sleep, which the Kubernetes preStop hook runs (a distroless
# image has none).
FROM node:24.22.3-bookworm-slim
WORKDIR /app
# The bundle has no runtime node_modules needs. The server finds openapi.json in the first ancestor of
# dist/main.js that holds package.json and openapi.json (src/contract/spec.ts), so /app holds both.
# No --chown: everything stays owned by root, so the runtime user cannot modify the application.
COPY package.json openapi.json ./
COPY --from=build /build/dist ./dist
# An explicit KEYS_DIR: unset, the service would write a generated development key under /app/.dev-keys,
# which neither a read-only root filesystem nor the non-root user allows. Mount the keys Secret here; a
# missing directory stops the boot with a message naming KEYS_DIR.
ENV KEYS_DIR=/etc/archera/keys
# PORT (public) and ADMIN_PORT (/healthz, /readyz, /metrics) defaults.
EXPOSE 3000 9090
# The `node` user of the official image, as numbers, so Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
# Exec form, so no shell sits between: the base image's ENTRYPOINT (docker-entrypoint.sh) `exec`s it, node becomes
# PID 1 and receives SIGTERM itself, and src/main.ts drains before exiting. Otherwise package.json's start script,
# plus --max-semi-space-size=4: this Node (24, V8 13) grows the young generation up to 2 x 64 MB under load and no
# longer lets the server cap it at run time (src/observability/young-generation.ts); on the command line the cap
# costs it nothing at startup (measured 159 -> 163 ms to the first answer), unlike Node 20's ~35 ms.
CMD ["node", "--max-semi-space-size=4", "dist/main.js"]
