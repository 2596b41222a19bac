# syntax=docker/dockerfile:1
# One image for every process; the role is the command: web, voice, worker or migrate (deploy/docker-entrypoint.sh).
#   docker build -t ai-call-agent .                            cloud speech providers (Deepgram, Smallest)
#   docker build --target offline -t ai-call-agent:offline .   adds pocketsphinx for offline speech-to-text
# The build and start commands are the npm scripts CI runs on the production path, so what CI tests is what runs here.

# Bookworm, not a newer Debian: the offline target needs its pocketsphinx_batch (pocketsphinx 0.8+5prealpha),
# the build CI's offline STT runs against.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS base
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1 \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

# Every dependency, for the build.
FROM base AS deps
COPY package.json package-lock.json ./
RUN npm ci

# Production dependencies only. dist/voice.mjs and dist/worker.mjs leave packages external, and db:migrate runs
# from source, so these are what the three non-web roles import at run time.
FROM base AS prod-deps
COPY package.json package-lock.json ./
# Next's SWC compilers (about 470 MB, for every platform the lockfile lists) only serve `next build`; the standalone
# server carries its own traced dependencies. onnxruntime-node (OFFLINE_STT=moonshine, whose model is not in the
# image: mount it and set MOONSHINE_MODEL_DIR) ships its native library for every platform; this image runs only the
# linux one.
RUN npm ci --omit=dev \
 && rm -rf node_modules/@next/swc-* node_modules/onnxruntime-node/bin/napi-v*/darwin node_modules/onnxruntime-node/bin/napi-v*/win32 \
 && npm cache clean --force

FROM deps AS build
COPY . .
# next build (output: standalone), then build:server: esbuild of the voice server, the worker and the web launcher
# into dist/.
RUN npm run build

FROM base AS runtime-base
ENV NODE_ENV=production \
    PORT=3000 \
    VOICE_PORT=3001 \
    HOSTNAME=0.0.0.0 \
    RECORDINGS_DIR=/var/lib/ai-call-agent/recordings
# Code and dependencies stay owned by root: the app user can read them, not rewrite them. Only the recordings spool
# and Next's cache are writable.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY --from=build /app/.next/standalone ./.next/standalone
# The standalone server serves static assets and public/ only from inside its own folder (build:server copies
# them there too; copied again so the image does not depend on it).
COPY --from=build /app/.next/static ./.next/standalone/.next/static
COPY --from=build /app/public ./.next/standalone/public
COPY --from=build /app/dist ./dist
# db:migrate: the script, the committed migrations and the source they import (run by tsx, a production dependency).
COPY --from=build /app/scripts/migrate.ts ./scripts/migrate.ts
COPY --from=build /app/db ./db
COPY --from=build /app/lib ./lib
COPY deploy/docker-entrypoint.sh deploy/healthcheck.mjs ./deploy/
RUN chmod 0755 deploy/docker-entrypoint.sh \
 && mkdir -p "$RECORDINGS_DIR" .next/standalone/.next/cache \
 && chown -R node:node "$RECORDINGS_DIR" .next/standalone/.next/cache
# A named volume mounted here starts with this directory's owner (node), so the spool is writable.
VOLUME ["/var/lib/ai-call-agent/recordings"]
USER node
EXPOSE 3000 3001
# Node rather than curl, which the slim image does not have. The check follows the role the entrypoint recorded.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 CMD ["node", "/app/deploy/healthcheck.mjs"]
ENTRYPOINT ["/app/deploy/docker-entrypoint.sh"]
CMD ["web"]

# Offline providers: pocketsphinx (STT) from Debian. The offline TTS is espeak-ng compiled to WebAssembly and comes
# with the npm dependencies, so it needs no package; nothing else (sox included) is run at run time.
FROM runtime-base AS offline
USER root
RUN apt-get update \
 && apt-get install -y --no-install-recommends pocketsphinx pocketsphinx-en-us \
 && rm -rf /var/lib/apt/lists/*
USER node

# The default target (last stage): cloud providers, no speech packages.
FROM runtime-base AS runtime
