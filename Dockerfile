# Multi-stage build: compile with TLS support for PostgreSQL, run on a slim image.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --features postgres-tls

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl libssl3 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home /var/lib/salestrack --create-home salestrack
COPY --from=build /src/target/release/salestrack /usr/local/bin/salestrack
USER salestrack
WORKDIR /var/lib/salestrack
ENV BIND=0.0.0.0:8080
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD curl -fsS http://127.0.0.1:8080/readyz || exit 1
ENTRYPOINT ["salestrack"]
CMD ["serve"]
