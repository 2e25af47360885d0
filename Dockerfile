# The reference baseline competitor as a container image, FROM scratch: one
# static janus binary and nothing else. Build it with `make image`, which
# compiles bin/janus with CGO_ENABLED=0 first. It meets the competitor
# contract: it listens on port 8080 and serves /v1/chat/completions and
# /health. The harness polls /health, so the image carries no HEALTHCHECK.
FROM scratch
COPY bin/janus /janus
EXPOSE 8080
ENTRYPOINT ["/janus", "baseline", "--listen", ":8080"]
