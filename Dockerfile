# Multi-stage build: compile in the Rust image, run from a slim Debian with only the binary.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src src
COPY migrations migrations
RUN cargo build --release --locked

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --no-create-home mathshub
COPY --from=build /src/target/release/mathshub /usr/local/bin/mathshub
USER mathshub
ENV MATHSHUB_BIND=0.0.0.0:8080 \
    RUST_LOG=info
EXPOSE 8080
# `serve` applies pending migrations before it binds; DATABASE_URL must be set.
ENTRYPOINT ["mathshub"]
CMD ["serve"]
