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
# `npm run image:test` (run by CI) builds it and runs the image as deploy/kubernetes/deployment.yaml runs it.

# The two bases, as build arguments so that a build can name a mirror or a local stand-in of the same release
# (scripts/image/ does when the official images cannot be pulled; see docs/deploying.md). NODE_IMAGE is pinned to
# an exact Node 24 LTS release, within package.json's engines and equal to the release .ci/run tests the whole
# suite on; DEBIAN_IMAGE is the Debian release NODE_IMAGE is built on, so the node binary finds the same libraries.
ARG NODE_IMAGE=node:24.22.3-bookworm-slim
ARG DEBIAN_IMAGE=debian:bookworm-slim

# --- build: dev dependencies (esbuild, tsx) and the one-file bundle -----------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /build
# The lockfile alone first, so the dependency layer is reused while only sources change.
COPY package.json package-lock.json ./
# How this machine reaches the npm registry, when it needs more than the defaults, comes in as two optional build
# secrets, mounted for this one command and never written to a layer: `npmrc` (npm settings: registry, proxy) and
# `ca` (a CA bundle to trust on top of Node's own, for a proxy that re-signs TLS). Without them, npm's defaults.
RUN --mount=type=secret,id=npmrc --mount=type=secret,id=ca \
    NPM_CONFIG_USERCONFIG=/run/secrets/npmrc NODE_EXTRA_CA_CERTS=/run/secrets/ca npm ci --no-audit --no-fund
COPY tsconfig.json openapi.json ./
COPY scripts ./scripts
COPY generated ./generated
COPY src ./src
RUN npx tsx scripts/build.ts

# --- run: Debian, Node's own binary, the bundle and the two files the bundle reads at startup ----------------
# Not the node image again: nothing here runs npm, npx, yarn or corepack, so the run stage leaves them (and the
# node image's entrypoint script) out. Debian's /bin/sleep stays, which the Kubernetes preStop hook runs.
FROM ${DEBIAN_IMAGE}
WORKDIR /app
COPY --from=build /usr/local/bin/node /usr/local/bin/node
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
# A non-root user, as numbers, so Kubernetes' runAsNonRoot can verify it (the uid of the node image's `node`
# user; nothing in the process looks it up by name, so /etc/passwd needs no entry).
USER 1000:1000
# Exec form, with no entrypoint and no shell in between: node is PID 1 and receives SIGTERM itself, and
# src/main.ts drains before exiting. Otherwise package.json's start script, plus --max-semi-space-size=4, the
# documented way to cap V8's young generation (set at startup, never changed at run time): this Node (24, V8 13)
# grows it up to 2 x 64 MB under load; capped, it costs nothing at startup (measured 159 -> 163 ms to the first
# answer). docs/deploying.md says how to change it (NODE_OPTIONS works too).
CMD ["node", "--max-semi-space-size=4", "dist/main.js"]
