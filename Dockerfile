# syntax=docker/dockerfile:1
# The one image of every role: `cryptostream producer`, `consumer`, `operator`, ...
# Build: docker build -t cryptostream:0.1.0 .   (NODE_VERSION follows scripts/versions.env)
ARG NODE_VERSION=24.22.3
# The Node.js base image (scripts/cluster/images.sh builds a local one and passes it here).
ARG NODE_IMAGE=node:${NODE_VERSION}-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Scripts off: `prepare` would build before the sources are copied.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
# The image's `node` user (uid 1000): the pod templates run as it, with a read-only root filesystem.
USER 1000:1000
EXPOSE 8080
ENTRYPOINT ["node", "bin/cryptostream.js"]
